// stats (0x07): threads, CPUs, descriptors, uptime and the agent's counters,
// as `key: value` lines like the Go agent's.
#include <sched.h>
#include <unistd.h>

#include <cstdio>

#include "agent/commands/commands.hpp"
#include "agent/host/proc_self.hpp"

namespace gops::agent {

std::string stats_reply(const Counters& counters) {
  std::string out;
  auto line = [&](const char* key, long long value) { out += std::string(key) + ": " + std::to_string(value) + "\n"; };
  line("OS threads", count_dir_entries("/proc/self/task"));
  line("num CPU", ::sysconf(_SC_NPROCESSORS_ONLN));
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (::sched_getaffinity(0, sizeof usable, &usable) == 0) line("usable CPUs", CPU_COUNT(&usable));
  line("open fds", count_dir_entries("/proc/self/fd"));
  if (auto up = uptime_seconds()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "uptime: %.2fs\n", *up);
    out += buf;
  }
  line("agent connections served", static_cast<long long>(counters.served.load()));
  line("agent connections refused", static_cast<long long>(counters.refused.load()));
  line("agent connections dropped", static_cast<long long>(counters.dropped.load()));
  return out;
}

}  // namespace gops::agent
