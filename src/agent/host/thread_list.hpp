// This process's threads as /proc/self/task shows them: what can be learned
// about a thread without its cooperation. Not async-signal-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gops::agent {

struct ThreadInfo {
  pid_t tid = 0;
  std::string name;  // comm
  char state = '?';  // R, S, D, T, Z, ...
};

// One read of /proc/self/task/TID/stat per thread: this runs for every
// thread of a possibly large process, so the rest is read on demand.
std::vector<ThreadInfo> list_threads();

// The TIDs alone, ascending: the directory listing without a file read per
// thread (the stack dump learns names and states from the threads).
std::vector<pid_t> list_thread_ids();

// Name and state of one thread from its stat file; false when it is gone.
bool read_thread_info(pid_t tid, ThreadInfo& info);

// The kernel function a thread sleeps in (/proc/self/task/TID/wchan), or "".
std::string thread_wchan(pid_t tid);

// Whether the thread blocks `sig` (SigBlk of /proc/self/task/TID/status).
bool thread_blocks_signal(pid_t tid, int sig);

}  // namespace gops::agent
