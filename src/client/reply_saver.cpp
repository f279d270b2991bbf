#include "client/reply_saver.hpp"

#include <algorithm>

#include "protocol/agent_error.hpp"

namespace gops::client {
namespace {

// Whether the reply so far may still become an agent error line.
bool may_be_agent_error(std::string_view head) {
  using protocol::kAgentErrorPrefix;
  if (head.size() >= ReplySaver::kMessageLimit) return false;
  return head.size() < kAgentErrorPrefix.size() ? kAgentErrorPrefix.starts_with(head)
                                                : head.starts_with(kAgentErrorPrefix);
}

}  // namespace

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

Status ReplySaver::take(std::span<const char> chunk) {
  if (total_ == 0 && !chunk.empty()) first_ = chunk.front();
  total_ += chunk.size();
  if (total_ > max_size_)
    return Error{"the reply is larger than " + size_text(max_size_) + " (see --max-size); stopped"};
  if (passing_) return write_(chunk);
  held_.append(chunk.data(), chunk.size());
  if (may_be_agent_error(held_)) return Ok{};
  // Data: what was held back goes out first, and from now on every chunk.
  passing_ = true;
  Status written = write_(held_);
  held_ = std::string();
  return written;
}

Status ReplySaver::finish(const std::string& empty_error) {
  if (total_ == 0) return Error{empty_error};
  if (passing_) return Ok{};
  if (protocol::is_agent_error(held_)) return Error{std::string(protocol::agent_error_text(held_))};
  passing_ = true;
  return write_(held_);  // a short reply that only began like the line
}

}  // namespace gops::client
