#include "support/peer_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "support/process.hpp"

namespace gops::test {
namespace {

int listen_on_loopback(bool v6, std::uint16_t* port) {
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons(*port);
    std::memcpy(&ss, &a, sizeof a);
    len = sizeof a;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(*port);
    std::memcpy(&ss, &a, sizeof a);
    len = sizeof a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen failed");
  }
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (v6) {
    sockaddr_in6 a{};
    std::memcpy(&a, &ss, sizeof a);
    *port = ntohs(a.sin6_port);
  } else {
    sockaddr_in a{};
    std::memcpy(&a, &ss, sizeof a);
    *port = ntohs(a.sin_port);
  }
  return fd;
}

}  // namespace

TcpPeer::TcpPeer(Mode mode, std::string reply, bool v6, std::uint16_t port)
    : mode_(mode), reply_(std::move(reply)), port_(port) {
  listen_fd_ = listen_on_loopback(v6, &port_);
  thread_ = std::thread([this] { serve(); });
}

TcpPeer::~TcpPeer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string TcpPeer::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void TcpPeer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    if (mode_ == Mode::kCloseAtOnce) {
      // Read the command byte, as the Go agent does before closing on a
      // byte it does not know (unread data would turn the close into a reset).
      char b;
      pollfd q{fd, POLLIN, 0};
      if (::poll(&q, 1, 1000) > 0) (void)::recv(fd, &b, 1, 0);
    } else if (mode_ == Mode::kReset) {
      linger l{1, 0};  // close with RST
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      char b;
      pollfd q{fd, POLLIN, 0};
      if (::poll(&q, 1, 1000) > 0) (void)::recv(fd, &b, 1, 0);
    } else if (mode_ == Mode::kSilent || mode_ == Mode::kStall) {
      // Hold the connection open, unanswered, until the client gives up.
      if (mode_ == Mode::kStall) (void)::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      for (;;) {
        pollfd q{fd, POLLIN, 0};
        if (stop_ || ::poll(&q, 1, 20) < 0) break;
        char b[256];
        if (q.revents && ::recv(fd, b, sizeof b, 0) <= 0) break;
      }
    } else if (mode_ == Mode::kRecord || mode_ == Mode::kReply) {
      // Take what comes within a moment, then answer (kReply) and close.
      char b[256];
      pollfd q{fd, POLLIN, 0};
      while (::poll(&q, 1, 200) > 0) {
        ssize_t n = ::recv(fd, b, sizeof b, 0);
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mu_);
        received_.append(b, static_cast<std::size_t>(n));
        if (mode_ == Mode::kReply) break;
      }
      if (mode_ == Mode::kReply) (void)::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    }
    ::close(fd);
  }
}

bool wait_until_exec(pid_t pid, const std::string& program) {
  return eventually([&] {
    char buf[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/exe";
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    std::string exe(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    // The exe link changes early in execve; the new environment block is
    // readable only once the new stack is set up.
    if (read_file("/proc/" + std::to_string(pid) + "/environ").empty()) return false;
    return exe.size() >= program.size() + 1 && exe.compare(exe.size() - program.size() - 1, std::string::npos, "/" + program) == 0;
  });
}

bool ipv6_loopback_available() {
  try {
    std::uint16_t port = 0;
    ::close(listen_on_loopback(true, &port));
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::uint16_t unused_port() {
  std::uint16_t port = 0;
  int fd = listen_on_loopback(false, &port);
  ::close(fd);
  return port;
}

}  // namespace gops::test
