#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/process.hpp"

namespace gops::test {

int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

RawReply read_to_end(int fd, std::chrono::milliseconds timeout) {
  RawReply r;
  r.connected = true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      return r;
    }
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n == 0) continue;
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got > 0) {
      r.bytes.append(buf, static_cast<std::size_t>(got));
      continue;
    }
    r.eof = true;  // orderly close (0) or reset (-1): either way, the end
    return r;
  }
}

RawReply raw_request(std::uint16_t port, const std::string& send, std::chrono::milliseconds timeout) {
  int fd = raw_connect(port);
  if (fd < 0) return RawReply{};
  if (!send.empty() && ::send(fd, send.data(), send.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(send.size())) {
    ::close(fd);
    return RawReply{true, true, false, {}};
  }
  RawReply r = read_to_end(fd, timeout);
  ::close(fd);
  return r;
}

int open_fd_count() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the DIR's own descriptor
}

std::string open_fds() {
  std::string out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    std::string link = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    out += std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "?") + "\n";
  }
  ::closedir(d);
  return out;
}

uid_t throwaway_user() {
  constexpr const char* kUser = "gops-agent-test";
  if (passwd* pw = ::getpwnam(kUser)) return pw->pw_uid;
  run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kUser});
  passwd* pw = ::getpwnam(kUser);
  return pw ? pw->pw_uid : 0;
}

std::string raw_request_as(uid_t uid, std::uint16_t port, const std::string& request) {
  int fds[2];
  if (::pipe(fds) != 0) return "<pipe>";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgid(uid) != 0 && ::setgid(65534) != 0) ::_exit(3);
    if (::setuid(uid) != 0) ::_exit(4);
    RawReply r = raw_request(port, request, std::chrono::seconds(10));
    std::string out = !r.connected ? "<no connect>" : r.bytes.empty() ? "<closed>" : r.bytes;
    [[maybe_unused]] ssize_t n = ::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return got;
}

}  // namespace gops::test
