// The process table and one process's details, read from Linux /proc.
//
// The list path (`gops`, `gops tree`) needs only the stat line and the exe
// link of each process, so it reads those two and nothing else; everything
// `gops process` prints is read on demand by read_details(). Names and
// numbers follow what gopsutil (and so the Go gops) reports.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gops::proc {

// Every PID under /proc, ascending. Threads are not listed.
std::vector<int> list_pids();

// The fields of /proc/PID/stat gops uses. `comm` is the kernel's 15-byte
// name (the text between the first '(' and the last ')').
struct StatLine {
  int pid = 0;
  std::string comm;
  char state = '?';
  int ppid = 0;
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t iowait_ticks = 0;  // delayacct_blkio_ticks: gopsutil adds it to the CPU total
  long num_threads = 0;
  std::uint64_t start_ticks = 0;  // since boot
  std::uint64_t rss_pages = 0;  // the stat line's count; read_details uses statm, as gopsutil
};

// Parses a stat line's text; exposed for tests and fuzzing.
Result<StatLine> parse_stat(std::string_view text);

// Errors: "no process with PID N" when it is gone, a permission sentence
// naming the PID, else the OS reason. Reads into a stack buffer: no heap
// allocation on success (the comm fits the string's inline storage).
Result<StatLine> read_stat(int pid);

// The same line for one thread of `pid` (/proc/PID/task/TID/stat): its own
// times, and the process's thread count, without the kernel summing the
// times of every thread (a tenth of the cost for 1000 threads).
Result<StatLine> read_thread_stat(int pid, int tid);

// The target of /proc/PID/exe, with the kernel's " (deleted)" suffix
// removed. Errors: "no process with PID N"; "PID N has no executable (a
// kernel thread or a zombie)"; "permission denied reading /proc/N/exe: PID N
// belongs to another user or is protected (...)".
Result<std::string> exe_path(int pid);

// The process name as gopsutil's Name() gives it: the comm, unless it is
// cut at 15 bytes, then the basename of argv[0] (Go's filepath.Base) when
// that starts with it. Never fails: falls back to the comm.
std::string display_name(int pid, std::string_view comm);

// One socket of a process, as `gops process` prints it:
// "local/remote:\tLADDR:LPORT <-> RADDR:RPORT (STATUS)".
struct Connection {
  std::string local_addr;  // Go's net.IP form; a unix socket's path (may be empty)
  std::uint32_t local_port = 0;
  std::string remote_addr;  // empty for unix sockets
  std::uint32_t remote_port = 0;
  std::string status;  // "LISTEN", "ESTABLISHED", ...; "NONE" for UDP and unix
};

// Everything `gops process PID` shows, read in one go.
struct Details {
  int pid = 0;
  int ppid = 0;
  long threads = 0;
  double memory_percent = 0;  // statm resident bytes / MemTotal * 100, in float32 as gopsutil
  double cpu_percent = 0;     // CPU time since start / wall time since start * 100
  double cpu_seconds = 0;     // user + system + iowait, in seconds
  std::optional<std::string> username;  // of the real UID; nullopt if it has no name
  uid_t uid = 0;
  std::string cmdline;            // argv joined by single spaces
  std::int64_t create_time_ms = 0;  // Unix time of the start, in milliseconds
  std::vector<Connection> connections;  // tcp4, tcp6, udp4, udp6, unix order; deduplicated as gopsutil does
  // The fds of another user's process cannot be read: `connections` is then
  // empty, as the Go gops shows it, though the process may have sockets.
  bool connections_unreadable = false;
};

// Errors: "no process with PID N" (also when it exits while being read),
// permission denied (a sentence naming the PID) where /proc hides the
// process's files. Another user's process is readable, as in gopsutil, but
// without its sockets (see connections_unreadable).
Result<Details> read_details(int pid);

// CPU time (user + system + iowait, seconds) of a process, for the
// "cpu usage (PERIOD)" line that samples it twice.
Result<double> cpu_seconds(int pid);

// Formats a duration as ps(1)'s etime: [[DD-]hh:]mm:ss, as the Go gops
// does ("%02d-" days, "%02d:" hours when days or hours, "%02d:%02d").
// Negative durations (a clock set back) format as zero.
std::string format_etime(std::int64_t seconds);

}  // namespace gops::proc
