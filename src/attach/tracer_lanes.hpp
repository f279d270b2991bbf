// Threads of this process that share out the ptrace work on many target
// threads. Under ptrace, the tracer of a thread is the one thread of ours
// that seized it: only that thread may interrupt it, read its registers
// and detach it. Stopping 1000 threads is some 3000 such calls, each of
// which also wakes a target thread that then competes for the CPU the
// calls run on: from two lanes instead of one, the target stays stopped
// about a third less long (bench/run-native-stack-bench.sh).
//
// Letting go is the lanes' end: when a thread of ours exits, the kernel
// detaches everything it traces in one pass, with no system call per
// thread; that cuts the release of 1000 threads by a third again against
// PTRACE_DETACH one by one. A target thread stopped by a signal rather
// than by us is detached with that signal explicitly, by the freeze.
//
// Where this process may (root, CAP_SYS_NICE, or an RLIMIT_RTPRIO above
// 0), the lanes run as SCHED_FIFO at the lowest real-time priority, for
// their short life: each interrupt and each release wakes a target thread,
// which otherwise preempts the lane that woke it; 1000 threads were
// stopped for 17 ms instead of 26 (bench/run-native-stack-bench.sh). They
// never spin: between jobs they wait, and the target's threads run.
//
// The lanes are started by create() and run each job handed to them until
// they end. They take the signal mask of the thread that creates them
// (the freeze blocks its termination signals first), so no signal is
// delivered to a lane.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.hpp"

namespace gops::attach {

class TracerLanes {
 public:
  // Up to `wanted` lanes (at least one). Error: no thread could be started.
  static Result<std::unique_ptr<TracerLanes>> create(std::size_t wanted);
  ~TracerLanes();  // ends the lanes: every thread they trace runs on
  TracerLanes(const TracerLanes&) = delete;
  TracerLanes& operator=(const TracerLanes&) = delete;

  std::size_t size() const { return workers_.size(); }

  // Runs job(lane) on every lane at once; returns when all have finished.
  // Jobs must not throw.
  void run(const std::function<void(std::size_t lane)>& job);

  // How many lanes suit `threads` target threads on this machine: one per
  // CPU this process may run on, up to 4, and one per 64 threads.
  static std::size_t suggested(std::size_t threads);

 private:
  TracerLanes() = default;
  void work(std::size_t lane);

  std::mutex mutex_;
  std::condition_variable wake_;  // a new job, or the end
  std::condition_variable done_;  // a lane finished the job
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t generation_ = 0;
  std::size_t running_ = 0;
  bool ending_ = false;
  std::vector<std::thread> workers_;
  std::vector<pid_t> tids_;  // each lane's thread id, set by the lane
};

}  // namespace gops::attach
