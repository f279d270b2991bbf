// memstats (0x03): the allocator's own numbers and the process's memory, as
// `key: value` lines in the Go agent's byte format.
#include "agent/commands/byte_size.hpp"
#include "agent/commands/commands.hpp"
#include "agent/host/allocator.hpp"
#include "agent/host/heap_sampler_link.hpp"
#include "agent/host/proc_self.hpp"

namespace gops::agent {

std::string memstats_reply() {
  AllocatorStats stats = allocator_stats();
  std::string out = "allocator: " + stats.name + "\n";
  for (const auto& [key, value] : stats.bytes) out += key + ": " + format_bytes(value) + "\n";
  for (const auto& [key, value] : stats.counts) out += key + ": " + std::to_string(value) + "\n";
  out += heap_sampler_memstats();  // exact call counts, when the heap sampler is in the process
  std::string status = read_proc_file("/proc/self/status");
  static constexpr std::pair<const char*, const char*> kProcess[] = {
      {"VmRSS", "resident"}, {"VmHWM", "peak-resident"}, {"VmSize", "virtual"}, {"VmPeak", "peak-virtual"}};
  for (auto [key, shown] : kProcess) {
    if (auto value = status_value(status, key)) out += std::string(shown) + ": " + format_bytes(*value) + "\n";
  }
  return out;
}

}  // namespace gops::agent
