// A gops client at the byte level, as the Go CLI behaves: connect, write the
// command byte(s), read to end of stream. For driving the agent in tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace gops::test {

struct RawReply {
  bool connected = false;
  bool eof = false;       // the agent closed the connection
  bool timed_out = false;
  std::string bytes;
};

RawReply raw_request(std::uint16_t port, const std::string& send,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A connected socket to 127.0.0.1:port, or -1.
int raw_connect(std::uint16_t port);

// Bytes the peer sent until it closed, the timeout, or an error.
RawReply read_to_end(int fd, std::chrono::milliseconds timeout);

int open_fd_count();  // entries in /proc/self/fd
std::string open_fds();  // "FD -> target" per line, for a failure message

// The uid of a throwaway system user, created when missing (needs root);
// 0 if it cannot be made.
uid_t throwaway_user();

// Sends `request` from a forked child running as `uid`; what it read, or
// "<closed>" when the peer closed without a byte, "<no connect>".
std::string raw_request_as(uid_t uid, std::uint16_t port, const std::string& request);

}  // namespace gops::test
