// The CPU profiler's sampling: SIGPROF from one CPU-time timer per thread
// (CLOCK of that thread, signal sent to that thread), so each thread is
// sampled in proportion to the CPU time it burns. The handler only unwinds
// into the preallocated ring (cpu_sample_ring.hpp). Threads started while
// sampling get their timer at the next watch_new_threads().
//
// Refuses to start when the host uses SIGPROF (its own handler, SIG_IGN)
// or has ITIMER_PROF armed (another profiler), and when a sampler runs.
// Stopping deletes the timers, discards SIGPROF still pending anywhere, and
// puts the host's SIGPROF disposition back as it was. Not async-signal-safe
// (its handler is); one agent thread drives a sampler.
#pragma once

#include <sys/types.h>
#include <signal.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "common/result.hpp"

namespace gops::agent {

class CpuSampler {
 public:
  using Sink = std::function<void(std::span<const std::uintptr_t> pcs, std::uint32_t weight)>;

  static Result<std::unique_ptr<CpuSampler>> start(std::chrono::nanoseconds period);
  ~CpuSampler();  // stops
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;

  // Arms a timer for each thread not seen before (/proc/self/task).
  void watch_new_threads();
  // Hands every sample collected so far to `sink` (leaf pc first).
  void drain(const Sink& sink);
  // Idempotent; drain() afterwards still returns the last samples. The
  // destructor stops too, and then lets another sampler start.
  void stop();

  std::uint64_t dropped() const;
  std::size_t threads_sampled() const { return timers_.size(); }
  std::size_t timer_failures() const { return timer_failures_; }

 private:
  CpuSampler(std::chrono::nanoseconds period, struct sigaction previous);
  struct ThreadTimer {
    pid_t tid;
    timer_t timer;
  };
  std::chrono::nanoseconds period_;
  struct sigaction previous_;
  std::vector<ThreadTimer> timers_;
  std::vector<pid_t> seen_;  // sorted
  std::size_t timer_failures_ = 0;
  bool stopped_ = false;
};

}  // namespace gops::agent
