#include "proc/process.hpp"

#include <cstdio>

namespace gops::proc {

std::string format_etime(std::int64_t seconds) {
  // A start time in the future (the clock was set back) reads as zero
  // rather than the Go gops' "00:-5".
  if (seconds < 0) seconds = 0;
  const std::int64_t days = seconds / 86400;
  const std::int64_t hours = seconds / 3600 % 24;
  const std::int64_t minutes = seconds / 60 % 60;
  const std::int64_t secs = seconds % 60;
  char buf[64];
  int n = 0;
  if (days > 0) n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%02lld-", static_cast<long long>(days));
  if (days > 0 || hours > 0)
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%02lld:", static_cast<long long>(hours));
  n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%02lld:%02lld", static_cast<long long>(minutes),
                     static_cast<long long>(secs));
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace gops::proc
