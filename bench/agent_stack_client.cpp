// Times stack dumps from an agent: connect to 127.0.0.1:PORT, send 0x01,
// read to the end; prints one line per run: "<ms> <bytes> <threads>".
// READ_KIB (default 1024) is the size of each read (the gops CLI reads
// 64 KiB at a time).
//
//   agent_stack_client PORT [RUNS] [READ_KIB]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: agent_stack_client PORT [RUNS] [READ_KIB]\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  int runs = argc > 2 ? std::atoi(argv[2]) : 1;
  int read_kib = argc > 3 ? std::atoi(argv[3]) : 1024;
  if (read_kib < 1 || read_kib > 64 * 1024) {
    std::fprintf(stderr, "agent_stack_client: READ_KIB must be 1..65536\n");
    return 2;
  }
  std::vector<char> buf(static_cast<std::size_t>(read_kib) * 1024);
  // One reply buffer for all runs, its pages touched before the first: a
  // fresh ~1 MB string per run costs this process page faults (mmap'd,
  // then from a growing heap) that showed up as the first two runs of
  // every invocation being slower by ~10 and ~4 ms.
  std::string reply(std::size_t{8} << 20, '\0');
  reply.clear();
  for (int run = 0; run < runs; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::write(fd, "\x01", 1) != 1) {
      std::perror("agent_stack_client");
      return 1;
    }
    reply.clear();
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) reply.append(buf.data(), static_cast<std::size_t>(n));
    ::close(fd);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::size_t threads = 0;
    for (std::size_t at = reply.find("thread "); at != std::string::npos; at = reply.find("\n\nthread ", at + 1))
      ++threads;
    std::printf("%.2f %zu %zu\n", ms, reply.size(), threads);
  }
  return 0;
}
