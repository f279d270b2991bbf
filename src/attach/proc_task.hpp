// What /proc says of a process and its threads: the thread ids, a thread's
// state letter and name, and the few /proc/PID/status fields the access
// errors need. Small readers with no allocation beyond the results.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gops::attach {

// The thread ids of `pid` (/proc/PID/task), ascending; empty when the
// process is gone or unreadable.
std::vector<pid_t> list_threads(pid_t pid);

struct TaskStat {
  char state = '?';  // R, S, D, Z, T, t, X, ...
  std::string name;  // comm
};

// /proc/PID/task/TID/stat; nullopt when the thread is gone.
std::optional<TaskStat> read_task_stat(pid_t pid, pid_t tid);

// The same for each of `tids`, in order, through one open /proc/PID/task
// and one read per thread (for 1000 threads, a path walk and a second read
// each were most of the cost); from 256 threads on, half of them read by a
// second thread of ours.
std::vector<std::optional<TaskStat>> read_task_stats(pid_t pid, std::span<const pid_t> tids);

struct ProcessStatus {
  uid_t real_uid = 0;
  uid_t effective_uid = 0;
  pid_t tracer_pid = 0;
  pid_t parent_pid = 0;
  char state = '?';
  std::string name;
};

// /proc/PID/status; nullopt when the process is gone.
std::optional<ProcessStatus> read_process_status(pid_t pid);

}  // namespace gops::attach
