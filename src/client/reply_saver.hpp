// Saves a binary reply (a profile, a trace, the executable) as it arrives:
// caps its size, and holds its first bytes back while they may still be our
// agent's one-line error (protocol/agent_error.hpp), so that such a line is
// said as an error and nothing is written, even into a pipe or device.
// Bytes from an agent: fuzzed (fuzz/reply_saver_fuzz.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/result.hpp"

namespace gops::client {

class ReplySaver {
 public:
  using Write = std::function<Status(std::span<const char>)>;

  // The longest agent error line looked for; longer replies are data.
  static constexpr std::size_t kMessageLimit = 4096;

  ReplySaver(Write write, std::uint64_t max_size) : write_(std::move(write)), max_size_(max_size) {}

  // The exchange's sink: one chunk of the reply.
  Status take(std::span<const char> chunk);
  // Once the agent has closed: the agent's error line as an error (nothing
  // was written), `empty_error` for an empty reply, else Ok once everything
  // held back is written.
  Status finish(const std::string& empty_error);

  // The reply's first byte ('\0' for none): our agent's trace is JSON.
  char first_byte() const { return first_; }
  std::uint64_t size() const { return total_; }

 private:
  Write write_;
  std::uint64_t max_size_;
  std::uint64_t total_ = 0;
  std::string held_;  // the reply so far, until it cannot be an error line
  bool passing_ = false;
  char first_ = '\0';
};

// "4 GiB", "512 MiB", else "N bytes".
std::string size_text(std::uint64_t bytes);

}  // namespace gops::client
