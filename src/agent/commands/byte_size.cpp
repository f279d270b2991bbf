#include "agent/commands/byte_size.hpp"

#include <cstdio>

namespace gops::agent {

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {" bytes", "KB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  long double divisor = 1;
  // Same walk as the Go agent's formatBytes: the first unit whose next
  // power of 1024 exceeds the value (PB for everything larger).
  for (unit = 0; unit < 6; ++unit) {
    long double next = divisor * 1024;
    if (static_cast<long double>(bytes) < next || unit == 5) break;
    divisor = next;
  }
  char buf[96];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.2Lf%s (%llu bytes)", static_cast<long double>(bytes) / divisor, kUnits[unit],
                  static_cast<unsigned long long>(bytes));
  }
  return buf;
}

}  // namespace gops::agent
