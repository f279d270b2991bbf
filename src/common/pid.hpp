// The one parser of process IDs, for what users type and what /proc lists:
// decimal digits only (no sign, spaces or leading '+'), above zero, and
// small enough for pid_t.
#pragma once

#include <sys/types.h>

#include <charconv>
#include <optional>
#include <string_view>

namespace gops {

inline std::optional<pid_t> parse_pid(std::string_view text) {
  pid_t pid = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, pid);
  if (text.empty() || ec != std::errc{} || stop != end || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace gops
