#include "attach/tracer_lanes.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <system_error>

namespace gops::attach {

Result<std::unique_ptr<TracerLanes>> TracerLanes::create(std::size_t wanted) {
  std::unique_ptr<TracerLanes> lanes(new TracerLanes);
  lanes->tids_.resize(std::max<std::size_t>(wanted, 1), 0);
  std::string why;
  for (std::size_t lane = 0; lane < std::max<std::size_t>(wanted, 1); ++lane) {
    try {
      lanes->workers_.emplace_back(&TracerLanes::work, lanes.get(), lane);
    } catch (const std::system_error& e) {
      why = e.code().message();
      break;  // fewer lanes
    }
  }
  if (lanes->workers_.empty()) return Error{"cannot start a thread to trace the target with: " + why};
  return lanes;
}

TracerLanes::~TracerLanes() {
  {
    std::lock_guard lock(mutex_);
    ending_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  // join() returns once a thread has left its memory, which it does before
  // the kernel lets its tracees go; the thread id lasts until just after.
  // Wait for that, so that the target runs when this returns.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (pid_t tid : tids_) {
    while (tid > 0 && ::syscall(SYS_tgkill, ::getpid(), tid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
      ::sched_yield();
  }
}

void TracerLanes::run(const std::function<void(std::size_t lane)>& job) {
  std::unique_lock lock(mutex_);
  job_ = &job;
  running_ = workers_.size();
  ++generation_;
  wake_.notify_all();
  done_.wait(lock, [this] { return running_ == 0; });
  job_ = nullptr;
}

void TracerLanes::work(std::size_t lane) {
  std::size_t seen = 0;
  std::unique_lock lock(mutex_);
  tids_[lane] = static_cast<pid_t>(::syscall(SYS_gettid));
  sched_param fifo{};
  fifo.sched_priority = 1;
  (void)::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &fifo);
  for (;;) {
    wake_.wait(lock, [&] { return ending_ || generation_ != seen; });
    if (ending_) return;
    seen = generation_;
    const auto* job = job_;
    lock.unlock();
    (*job)(lane);
    lock.lock();
    if (--running_ == 0) done_.notify_one();
  }
}

std::size_t TracerLanes::suggested(std::size_t threads) {
  cpu_set_t set;
  std::size_t cpus = 1;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cpus = static_cast<std::size_t>(CPU_COUNT(&set));
  return std::clamp<std::size_t>(std::min(cpus, threads / 64), 1, 4);
}

}  // namespace gops::attach
