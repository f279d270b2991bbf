// What client_golang's process collector reports about a process, read
// the way it reads it (prometheus/procfs): /proc/self/stat for CPU time,
// memory and start time, /proc/self/fd, the resource limits, and the
// network namespace's IP byte counters (/proc/self/net/netstat). Not
// async-signal-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace gops::agent {

struct ProcessStats {
  double cpu_seconds = 0;           // user + system, in clock ticks / USER_HZ
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_bytes = 0;
  double start_time_seconds = 0;    // Unix time
  int threads = 0;
  int open_fds = -1;
  double max_fds = 0;               // RLIMIT_NOFILE (soft); unlimited as 2^64-1
  double max_virtual_bytes = 0;     // RLIMIT_AS (soft); unlimited as 2^64-1
  std::optional<std::uint64_t> network_receive_bytes;   // IpExt InOctets
  std::optional<std::uint64_t> network_transmit_bytes;  // IpExt OutOctets
};

// Empty when /proc/self/stat cannot be read.
std::optional<ProcessStats> read_process_stats();

}  // namespace gops::agent
