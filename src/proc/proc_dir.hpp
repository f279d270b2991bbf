// /proc opened once, for the process list: which PIDs exist, and which
// executable each one runs, at one system call per process.
//
// The list prints only Go processes and agent processes, and whether a
// process is Go depends only on its executable. So the list asks each
// process one question, the identity of its executable (stat of
// /proc/PID/exe, the link followed), and reads nothing else unless the
// answer is a binary it will print. Paths are resolved relative to the open
// /proc descriptor, so each walk starts there rather than at "/".
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"

namespace gops::proc {

// What tells two executables apart for the length of one scan: the file
// (device and inode), and its size and modification time, so a binary
// rewritten in place is not mistaken for the one read before.
struct ExeIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  std::int64_t size = 0;
  std::int64_t mtime_sec = 0;
  std::uint32_t mtime_nsec = 0;
  auto operator<=>(const ExeIdentity&) const = default;
};

class ProcDir {
 public:
  // Opens /proc (or another procfs mount, for tests). Error: "cannot open
  // /proc: REASON".
  static Result<ProcDir> open(const char* path = "/proc");

  ProcDir(ProcDir&& other) noexcept;
  ProcDir& operator=(ProcDir&& other) noexcept;
  ProcDir(const ProcDir&) = delete;
  ProcDir& operator=(const ProcDir&) = delete;
  ~ProcDir();

  // Every PID, ascending; threads are not listed. Read with getdents64 into
  // one large buffer (a few calls for thousands of processes).
  std::vector<int> pids() const;

  // The identity of the file /proc/PID/exe points to, with one statx.
  // nullopt when there is no executable to look at: a kernel thread, a
  // zombie, or a process gone since the PIDs were listed. An error
  // ("/proc/PID/exe: REASON") when the process is there but its link cannot
  // be followed, as for another user's process when not root.
  Result<std::optional<ExeIdentity>> exe_identity(int pid) const;

 private:
  explicit ProcDir(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace gops::proc
