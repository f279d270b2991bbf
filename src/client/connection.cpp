#include "client/connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/errno_text.hpp"
#include "common/unique_fd.hpp"

namespace gops::client {
namespace {

using Clock = std::chrono::steady_clock;


std::string seconds_text(Millis d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// Waits for `events` on fd; 0 on readiness, ETIMEDOUT, or an errno.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    // Rounded up: poll() returning a moment early would read as a timeout.
    auto left = std::chrono::ceil<Millis>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left > 1 << 30 ? 1 << 30 : left));
    if (n > 0) return 0;
    if (n == 0) return ETIMEDOUT;
    if (errno != EINTR) return errno;
  }
}

Result<UniqueFd> connect_one(const Endpoint& ep, Millis timeout) {
  auto made = ep.source.open(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (!made) return Error{"couldn't connect to the agent at " + ep.display + ": " + made.message()};
  UniqueFd fd = std::move(*made);
  int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ep.addr), ep.len);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    err = wait_for(fd.get(), POLLOUT, Clock::now() + timeout);
    if (err == 0) {
      socklen_t len = sizeof err;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
  }
  if (err == 0) return fd;
  std::string why = err == ETIMEDOUT ? "no answer within " + seconds_text(timeout) : errno_text(err);
  return Error{"couldn't connect to the agent at " + ep.display + ": " + why};
}

Status send_all(int fd, const Endpoint& ep, std::span<const std::uint8_t> bytes, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
      continue;
    }
    int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) err = wait_for(fd, POLLOUT, deadline);
    if (err != 0) {
      std::string why = err == ETIMEDOUT ? "timed out" : errno_text(err);
      return Error{"couldn't send the command to the agent at " + ep.display + ": " + why};
    }
  }
  return Ok{};
}

Result<std::uint64_t> read_all(int fd, const Endpoint& ep, const Timeouts& t, const Sink& sink) {
  std::uint64_t total = 0;
  char buf[65536];
  for (;;) {
    Millis allowed = total == 0 ? t.work + t.idle : t.idle;
    int err = wait_for(fd, POLLIN, Clock::now() + allowed);
    if (err == ETIMEDOUT) {
      return Error{"the agent at " + ep.display + " sent " + (total == 0 ? "no reply" : "nothing more") +
                   " within " + seconds_text(allowed) + " (see --timeout)"};
    }
    if (err != 0) return Error{"reading from the agent at " + ep.display + ": " + errno_text(err)};
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return total;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == ECONNRESET) return Error{"the agent at " + ep.display + " reset the connection"};
      return Error{"reading from the agent at " + ep.display + ": " + errno_text(errno)};
    }
    total += static_cast<std::uint64_t>(n);
    if (auto s = sink({buf, static_cast<std::size_t>(n)}); !s) return s.error();
  }
}

}  // namespace

Result<std::uint64_t> exchange(const std::vector<Endpoint>& endpoints,
                               std::span<const std::uint8_t> request, const Timeouts& timeouts,
                               const Sink& sink) {
  if (endpoints.empty()) return Error{"no address to connect to"};
  // Like Go's dialer: the first address that accepts wins; report the
  // first failure if none does.
  std::optional<Error> first_error;
  for (const Endpoint& ep : endpoints) {
    auto fd = connect_one(ep, timeouts.connect);
    if (!fd) {
      if (!first_error) first_error = fd.error();
      continue;
    }
    UniqueFd guard = std::move(*fd);
    if (auto s = send_all(guard.get(), ep, request, timeouts.idle); !s) return s.error();
    return read_all(guard.get(), ep, timeouts, sink);
  }
  return *first_error;
}

Result<std::string> exchange_text(const std::vector<Endpoint>& endpoints,
                                  std::span<const std::uint8_t> request, const Timeouts& timeouts,
                                  std::size_t limit) {
  std::string out;
  auto n = exchange(endpoints, request, timeouts, [&](std::span<const char> chunk) -> Status {
    if (out.size() + chunk.size() > limit)
      return Error{"the agent's reply is larger than " + std::to_string(limit >> 20) + " MiB"};
    out.append(chunk.data(), chunk.size());
    return Ok{};
  });
  if (!n) return n.error();
  return out;
}

}  // namespace gops::client
