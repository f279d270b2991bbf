#include "agent/server/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace gops::agent {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

enum class Sent { kAll, kPartial, kFull, kFailed };

// Sends from `data`, advancing `*done`; kFull when the socket takes no more.
Sent send_from(int fd, const char* data, std::size_t size, std::size_t* done, std::size_t* budget,
               bool* progressed) {
  while (*done < size && *budget > 0) {
    std::size_t n = std::min(size - *done, *budget);
    ssize_t sent = ::send(fd, data + *done, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      *done += static_cast<std::size_t>(sent);
      *budget -= static_cast<std::size_t>(sent);
      *progressed = true;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::kFull;
    return Sent::kFailed;  // the peer is gone
  }
  return *done == size ? Sent::kAll : Sent::kPartial;
}

}  // namespace

Connection::~Connection() {
  if (reply.stream_fd >= 0) ::close(reply.stream_fd);
}

void Connection::reset_for_next_request(Clock::time_point read_deadline) {
  if (reply.stream_fd >= 0) ::close(reply.stream_fd);
  reply = Reply{};
  text_sent_ = chunk_size_ = chunk_sent_ = 0;
  phase = Phase::kReading;
  deadline = read_deadline;
  stop = std::stop_source();
  hung_up = false;
  keep_alive = false;
}

Connection::Progress Connection::write_some(bool* progressed) {
  *progressed = false;
  std::size_t budget = kTurnBytes;
  switch (send_from(fd, reply.text.data(), reply.text.size(), &text_sent_, &budget, progressed)) {
    case Sent::kAll: break;
    case Sent::kPartial:
    case Sent::kFull: return Progress::kMore;
    case Sent::kFailed: return Progress::kFailed;
  }
  while (reply.stream_fd >= 0) {
    if (chunk_sent_ == chunk_size_) {
      if (!chunk_) chunk_.reset(new char[kChunk]);
      ssize_t n = ::read(reply.stream_fd, chunk_.get(), kChunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(reply.stream_fd);
        reply.stream_fd = -1;
        if (n < 0) return Progress::kFailed;  // a short reply would pass for a whole one
        break;
      }
      chunk_size_ = static_cast<std::size_t>(n);
      chunk_sent_ = 0;
    }
    switch (send_from(fd, chunk_.get(), chunk_size_, &chunk_sent_, &budget, progressed)) {
      case Sent::kAll: continue;
      case Sent::kPartial:
      case Sent::kFull: return Progress::kMore;
      case Sent::kFailed: return Progress::kFailed;
    }
  }
  return Progress::kDone;
}

}  // namespace gops::agent
