// The tracer's sampling: a wall-clock timer per thread (CLOCK_MONOTONIC,
// the signal sent to that thread), so sleeping threads are sampled too and
// each sample says, by the thread's CPU clock and its run-queue wait
// (/proc/thread-self/schedstat), whether the thread ran, waited for a CPU
// or slept since the one before. The handler writes the time, the thread's CPU time and
// its stack into that thread's own preallocated buffer (one writer per
// buffer: no locks, no allocation); a full buffer drops and counts.
//
// A sleeping thread is woken by each sample: blocking calls that signals
// interrupt even under SA_RESTART (poll, epoll_wait, nanosleep, ...) return
// EINTR, as under any profiler's timer; so the rate drops as the thread
// count grows (at most kMaxSignalsPerSecond in all).
// Not async-signal-safe (its handler is); one tracer at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace gops::agent {

inline constexpr int kTraceFrames = 48;
inline constexpr int kMaxTraceHz = 1000;
inline constexpr int kMaxSignalsPerSecond = 20000;

struct TraceSample {
  std::int64_t wall_ns = 0;  // CLOCK_MONOTONIC
  std::int64_t cpu_ns = 0;   // the thread's CPU clock
  // Time the thread spent runnable but waiting for a CPU (its schedstat;
  // 0 where the kernel does not keep it).
  std::int64_t wait_ns = 0;
  // The sample's signal woke the thread from a blocking system call: it
  // was off-CPU until then, whatever the clocks say of the wake-up.
  bool was_blocked = false;
  std::vector<std::uintptr_t> pcs;  // leaf first; pcs[0] the interrupted instruction
};

struct TracedThread {
  pid_t tid = 0;
  std::string name;
  std::vector<TraceSample> samples;
  std::uint64_t dropped = 0;
};

class TraceSampler {
 public:
  // Samples every thread but the agent's own, each at `hz` (see rate_for).
  static Result<std::unique_ptr<TraceSampler>> start(int hz, std::chrono::milliseconds duration);
  ~TraceSampler();  // stops
  TraceSampler(const TraceSampler&) = delete;
  TraceSampler& operator=(const TraceSampler&) = delete;

  // Arms a timer for each thread started since the last call.
  void watch_new_threads();
  // Stops the timers, waits for handlers still running, and returns what
  // was recorded. Call once.
  std::vector<TracedThread> stop();

  int hz() const { return hz_; }
  std::size_t untraced_threads() const { return untraced_; }

  // The per-thread rate for `threads` threads: kMaxTraceHz, lowered so all
  // threads together get at most kMaxSignalsPerSecond, and at least 10.
  static int rate_for(std::size_t threads);

  struct Traced;  // one thread's timer and buffer (the .cpp's handler writes it)

 private:
  TraceSampler(int hz, std::chrono::milliseconds duration, int signal);
  void watch(pid_t tid, const std::string& name);

  int hz_;
  std::chrono::milliseconds duration_;
  int signal_;
  std::vector<std::unique_ptr<Traced>> traced_;
  std::vector<pid_t> seen_;  // sorted
  std::size_t untraced_ = 0;
  std::size_t words_reserved_ = 0;  // sample buffers allocated so far, against kBudgetWords
  bool stopped_ = false;
};

}  // namespace gops::agent
