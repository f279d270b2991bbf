// The floor for the agent round-trip benchmark: the least a command-line
// client can do per command, one process that connects to 127.0.0.1:PORT,
// writes one command byte, reads the reply to end of stream and prints it.
// No target resolution, no owner check, no argument parser: what is left
// is process start-up and the TCP exchange itself.
//
//   agent_roundtrip PORT BYTE      e.g. agent_roundtrip 40123 7   (stats)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: agent_roundtrip PORT BYTE\n");
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  unsigned char command = static_cast<unsigned char>(std::atoi(argv[2]));

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    return 1;
  }
  if (write(fd, &command, 1) != 1) {
    std::perror("write");
    return 1;
  }
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) fwrite(buf, 1, static_cast<std::size_t>(n), stdout);
  close(fd);
  return 0;
}
