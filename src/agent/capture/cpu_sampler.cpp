#include "common/errno_text.hpp"
#include "agent/capture/cpu_sampler.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "agent/capture/cpu_sample_ring.hpp"
#include "agent/capture/unwind.hpp"
#include "agent/host/agent_threads.hpp"

namespace gops::agent {
namespace {

// Set while a sampler runs: one at a time in the process.
std::atomic<bool> g_running{false};
// Whether handlers record (false: a late signal is ignored).
std::atomic<bool> g_recording{false};
// Handlers between entry and exit, so stop() can wait for them.
std::atomic<int> g_in_flight{0};
// Allocated on first use and never freed: a late handler never sees freed memory.
std::atomic<CpuSampleRing*> g_ring{nullptr};

// Async-signal-safe: atomics, the shared signal-safe unwinder (unwind.hpp)
// and the ring's preallocated slots. No malloc, no lock the
// interrupted code could hold, no stdio. Only our timers' signals count.
extern "C" void on_sigprof(int, siginfo_t* info, void* context) {
  int saved_errno = errno;
  g_in_flight.fetch_add(1, std::memory_order_acq_rel);
  CpuSampleRing* ring = g_ring.load(std::memory_order_acquire);
  if (info->si_code == SI_TIMER && ring != nullptr && g_recording.load(std::memory_order_acquire)) {
    std::uint64_t ticket = 0;
    if (CpuSampleSlot* slot = ring->reserve(ticket)) {
      auto depth = static_cast<std::uint32_t>(unwind_from_signal(context, slot->pcs, kMaxFrames));
      slot->depth = depth;
      slot->weight = 1 + static_cast<std::uint32_t>(info->si_overrun > 0 ? info->si_overrun : 0);
      ring->publish(slot, ticket);
    }
  }
  g_in_flight.fetch_sub(1, std::memory_order_acq_rel);
  errno = saved_errno;
}

// The CPU-time clock of thread `tid` of this process, as the kernel encodes
// it (what pthread_getcpuclockid returns, for a thread we have no handle of).
clockid_t thread_cpu_clock(pid_t tid) {
  constexpr unsigned kPerThreadSched = 4 | 2;  // CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED
  return static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | kPerThreadSched);
}

std::vector<pid_t> list_tids() {
  std::vector<pid_t> tids;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return tids;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long tid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && tid > 0) tids.push_back(static_cast<pid_t>(tid));
  }
  ::closedir(dir);
  return tids;
}

constexpr std::size_t kMaxTimers = 16384;  // threads sampled at most

}  // namespace

Result<std::unique_ptr<CpuSampler>> CpuSampler::start(std::chrono::nanoseconds period) {
  if (period.count() <= 0) return Error{"the sampling period must be positive"};
  bool expected = false;
  if (!g_running.compare_exchange_strong(expected, true)) return Error{"a CPU profile is already being taken"};
  auto release = [](Error e) {
    g_running.store(false);
    return e;
  };
  struct sigaction current{};
  if (::sigaction(SIGPROF, nullptr, &current) != 0) return release(Error{"cannot read the SIGPROF handler"});
  if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL)
    return release(Error{"the program handles SIGPROF itself (another profiler?); its handler is left alone"});
  itimerval prof{};
  if (::getitimer(ITIMER_PROF, &prof) == 0 && (prof.it_value.tv_sec != 0 || prof.it_value.tv_usec != 0))
    return release(Error{"ITIMER_PROF is armed: another profiler is running"});

  CpuSampleRing* ring = g_ring.load();
  if (ring == nullptr) {
    ring = new (std::nothrow) CpuSampleRing;
    if (ring == nullptr) return release(Error{"out of memory for the sample buffer"});
    g_ring.store(ring, std::memory_order_release);
  }
  ring->reset();
  prepare_unwinder();

  struct sigaction ours{};
  ours.sa_sigaction = on_sigprof;
  ours.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigfillset(&ours.sa_mask);  // nothing else runs inside the handler
  if (::sigaction(SIGPROF, &ours, nullptr) != 0)
    return release(Error{std::string("cannot install the SIGPROF handler: ") + errno_text(errno)});
  g_recording.store(true, std::memory_order_release);
  std::unique_ptr<CpuSampler> sampler(new CpuSampler(period, current));
  sampler->watch_new_threads();
  return sampler;
}

CpuSampler::CpuSampler(std::chrono::nanoseconds period, struct sigaction previous)
    : period_(period), previous_(previous) {}

CpuSampler::~CpuSampler() {
  stop();
  g_running.store(false);  // only now may another sampler reset the ring
}

void CpuSampler::watch_new_threads() {
  if (stopped_) return;
  std::vector<pid_t> tids = list_tids();
  std::sort(tids.begin(), tids.end());
  std::vector<pid_t> fresh;
  std::set_difference(tids.begin(), tids.end(), seen_.begin(), seen_.end(), std::back_inserter(fresh));
  if (fresh.empty()) return;
  std::vector<pid_t> merged;
  std::merge(seen_.begin(), seen_.end(), fresh.begin(), fresh.end(), std::back_inserter(merged));
  seen_ = std::move(merged);

  auto secs = std::chrono::duration_cast<std::chrono::seconds>(period_);
  itimerspec every{};
  every.it_interval.tv_sec = static_cast<time_t>(secs.count());
  every.it_interval.tv_nsec = static_cast<long>((period_ - secs).count());
  every.it_value = every.it_interval;
  for (pid_t tid : fresh) {
    if (is_agent_thread(tid)) continue;  // they block every signal and burn no CPU worth profiling
    if (timers_.size() >= kMaxTimers) {
      ++timer_failures_;
      continue;
    }
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGPROF;
#ifdef sigev_notify_thread_id
    event.sigev_notify_thread_id = tid;
#else
    event._sigev_un._tid = tid;
#endif
    timer_t timer{};
    if (::timer_create(thread_cpu_clock(tid), &event, &timer) != 0) {
      if (errno != EINVAL && errno != ESRCH) ++timer_failures_;  // EINVAL: the thread just exited
      continue;
    }
    if (::timer_settime(timer, 0, &every, nullptr) != 0) {
      ::timer_delete(timer);
      ++timer_failures_;
      continue;
    }
    timers_.push_back({tid, timer});
  }
}

void CpuSampler::drain(const Sink& sink) {
  CpuSampleRing* ring = g_ring.load(std::memory_order_acquire);
  while (const CpuSampleSlot* slot = ring->peek()) {
    std::uint32_t depth = std::min<std::uint32_t>(slot->depth, static_cast<std::uint32_t>(kMaxFrames));
    if (depth > 0) sink(std::span<const std::uintptr_t>(slot->pcs, depth), slot->weight);
    ring->release();
  }
}

void CpuSampler::stop() {
  if (stopped_) return;
  stopped_ = true;
  g_recording.store(false, std::memory_order_release);
  for (const ThreadTimer& t : timers_) ::timer_delete(t.timer);
  // A host that installed its own SIGPROF handler meanwhile keeps it.
  struct sigaction current{};
  bool ours = ::sigaction(SIGPROF, nullptr, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
              current.sa_sigaction == on_sigprof;
  // A SIGPROF already queued (to a thread that blocks it, or not yet run)
  // would kill the process under the default action: setting SIG_IGN
  // discards every pending instance, then the host's disposition returns.
  // (Linux 6.13 and later drop a deleted timer's queued signal themselves;
  // older kernels deliver it.)
  if (ours) {
    struct sigaction ignore{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPROF, &ignore, nullptr);
  }
  // Handlers still running finish their slot before the ring is read.
  for (int i = 0; i < 1000 && g_in_flight.load(std::memory_order_acquire) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (ours) ::sigaction(SIGPROF, &previous_, nullptr);
}

std::uint64_t CpuSampler::dropped() const {
  CpuSampleRing* ring = g_ring.load(std::memory_order_acquire);
  return ring ? ring->dropped() : 0;
}

}  // namespace gops::agent
