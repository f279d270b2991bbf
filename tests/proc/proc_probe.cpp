// A helper process for the proc tests:
//   proc_probe read PID   reads PID through the proc library and prints what
//                         it got (the tests run it as an unprivileged user);
//   proc_probe listen     listens on TCP 127.0.0.1 and UDP ::1, prints the
//                         two ports, and waits to be killed;
//   proc_probe wait ARGS  waits to be killed (ARGS are for its cmdline).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "proc/process.hpp"

namespace {

int read_pid(int pid) {
  using namespace gops::proc;
  auto s = read_stat(pid);
  std::printf("stat: %s\n", s.ok() ? s->comm.c_str() : ("error: " + s.message()).c_str());
  auto exe = exe_path(pid);
  std::printf("exe: %s\n", exe.ok() ? exe->c_str() : ("error: " + exe.message()).c_str());
  auto d = read_details(pid);
  if (d.ok())
    std::printf("details: ppid=%d connections=%zu unreadable=%d\n", d->ppid, d->connections.size(),
                d->connections_unreadable ? 1 : 0);
  else
    std::printf("details: error: %s\n", d.message().c_str());
  return 0;
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

int listen_and_wait() {
  int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (tcp < 0 || ::bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(tcp, 4) != 0) return 1;
  int udp = ::socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 b{};
  b.sin6_family = AF_INET6;
  b.sin6_addr = in6addr_loopback;
  if (udp < 0 || ::bind(udp, reinterpret_cast<sockaddr*>(&b), sizeof b) != 0) return 1;
  std::printf("tcp %d udp6 %d\n", bound_port(tcp), bound_port(udp));
  std::fflush(stdout);
  for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "read") == 0) return read_pid(std::atoi(argv[2]));
  if (argc == 2 && std::strcmp(argv[1], "listen") == 0) return listen_and_wait();
  if (argc >= 2 && std::strcmp(argv[1], "wait") == 0) {
    std::printf("waiting\n");
    std::fflush(stdout);
    for (;;) ::pause();
  }
  std::fprintf(stderr, "usage: proc_probe read PID | listen | wait ARGS...\n");
  return 2;
}
