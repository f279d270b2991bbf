// /proc/PID/stat lines (proc/process.hpp): the comm field is whatever name
// the process gave itself, parentheses and spaces included.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proc/process.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto stat = gops::proc::parse_stat(text);
  if (stat.ok() && text.find(stat->comm) == std::string_view::npos) __builtin_trap();
  return 0;
}
