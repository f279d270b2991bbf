// /proc/PID/status, /proc/meminfo and /proc/stat "Key: value" lines, and
// /proc/PID/cmdline (proc/proc_text.hpp). A process writes its own command
// line, and its name reaches the status file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proc/proc_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::uint64_t number = 0;
  unsigned uid = 0;
  long threads = 0;
  (void)gops::proc::find_number(text, "Uid:", uid);
  (void)gops::proc::find_number(text, "MemTotal:", number);
  (void)gops::proc::find_number(text, "btime", number);
  (void)gops::proc::find_number(text, "Threads:", threads);
  (void)gops::proc::find_number(text, "", number);
  std::string joined = gops::proc::join_cmdline(text);
  if (joined.size() > text.size() || joined.find('\0') != std::string::npos) __builtin_trap();
  return 0;
}
