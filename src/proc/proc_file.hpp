// Small readers for /proc/PID files, shared by the list path and the
// details path. They build paths and read into caller buffers, so the list
// path (thousands of processes) allocates nothing per file, and they turn
// errno into the sentences the CLI prints.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::proc::detail {

// "/proc/PID/NAME" (or "/proc/PID" for an empty name) in a fixed buffer.
class ProcPath {
 public:
  ProcPath(int pid, std::string_view name);
  const char* c_str() const { return buf_; }

 private:
  char buf_[96];
};

// The error for a failed open/read/readlink of /proc/PID/NAME with `err`
// (an errno): "no process with PID N" when it is gone, a sentence about
// permissions for EACCES/EPERM, else the OS reason.
Error proc_error(int pid, std::string_view name, int err);

// Reads /proc/PID/NAME into buf[0, cap) with one open, one pread and one
// close. Fails when the content fills the buffer, since it may go on:
// callers size it for the kernel's bound (stat, statm) or fall back to
// read_whole (cmdline).
Result<std::size_t> read_into(int pid, std::string_view name, char* buf, std::size_t cap);

// Reads a whole file of unknown size (cmdline, status): the details path.
Result<std::string> read_whole(int pid, std::string_view name);

// Reads a system-wide file such as /proc/stat or /proc/meminfo.
Result<std::string> read_system_file(const char* path);

// True if /proc/PID exists (the process or a zombie is still there).
bool pid_exists(int pid);

}  // namespace gops::proc::detail
