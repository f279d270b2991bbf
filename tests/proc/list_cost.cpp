// What the `gops` list path costs per process: list_pids, then read_stat and
// exe_path for every PID, timed in CPU (user + system) and wall time. Not a
// test; run it beside `ps -e -o pid,ppid,comm` under /usr/bin/time:
//   proc_list_cost [ROUNDS]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "proc/process.hpp"

namespace {

double cpu_seconds_used() {
  rusage r{};
  ::getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  for (int round = 0; round < rounds; ++round) {
    const double cpu0 = cpu_seconds_used();
    const auto wall0 = std::chrono::steady_clock::now();
    const auto pids = gops::proc::list_pids();
    std::size_t stats = 0, exes = 0;
    for (int pid : pids) {
      auto s = gops::proc::read_stat(pid);
      if (!s) continue;
      ++stats;
      if (gops::proc::exe_path(pid)) ++exes;
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double cpu = cpu_seconds_used() - cpu0;
    std::printf("%zu processes (%zu stat, %zu exe): cpu %.1f ms (%.1f us/process), wall %.1f ms\n", pids.size(),
                stats, exes, cpu * 1e3, cpu * 1e6 / static_cast<double>(pids.empty() ? 1 : pids.size()),
                wall * 1e3);
  }
  return 0;
}
