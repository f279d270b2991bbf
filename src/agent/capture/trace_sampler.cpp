#include "agent/capture/trace_sampler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <new>
#include <thread>

#include "agent/capture/realtime_signal.hpp"
#include "agent/capture/unwind.hpp"
#include "agent/host/agent_threads.hpp"
#include "agent/host/thread_list.hpp"

namespace gops::agent {

// One traced thread: its timer and its sample buffer. A record is
// [wall_ns, cpu_ns, depth, pc...]; only that thread's handler writes, and
// publishes each record by advancing `used`.
struct TraceSampler::Traced {
  pid_t tid = 0;
  std::string name;
  timer_t timer{};
  bool has_timer = false;
  std::unique_ptr<std::uint64_t[]> words;
  std::size_t capacity = 0;  // in words
  std::atomic<std::size_t> used{0};
  std::atomic<std::uint64_t> dropped{0};
  // /proc/thread-self/schedstat, opened by the thread's first handler
  // (kNotOpened until then, kUnavailable if that failed).
  std::atomic<int> schedstat_fd{-1};
  const std::uint64_t* last_record = nullptr;  // the handler's own previous record
};

namespace {

constexpr std::size_t kMaxTracedThreads = 4096;
constexpr std::size_t kRecordHeader = 4;  // wall_ns, cpu_ns, wait_ns, depth | flags
constexpr std::uint64_t kBlockedFlag = 1ull << 32;  // in the depth word
constexpr int kNotOpened = -1;
constexpr int kUnavailable = -2;
constexpr std::size_t kMaxBufferWords = (4u << 20) / sizeof(std::uint64_t);  // 4 MiB a thread
constexpr std::size_t kBudgetWords = (256u << 20) / sizeof(std::uint64_t);   // 256 MiB in all

std::atomic<TraceSampler::Traced*> g_table[kMaxTracedThreads];
std::atomic<bool> g_active{false};
std::atomic<int> g_in_flight{0};
std::atomic<bool> g_running{false};  // one sampler at a time
std::atomic<int> g_signal{0};
// A timer's signal value is its thread's index and the sampler's generation:
// a signal queued by a previous sampler's timer is ignored, never written
// into the buffer that now has its index.
constexpr unsigned kIndexBits = 12;
static_assert(kMaxTracedThreads == 1u << kIndexBits);
std::atomic<unsigned> g_generation{0};

int signal_value(std::size_t index, unsigned generation) {
  return static_cast<int>(((generation & 0x7ffffu) << kIndexBits) | index);
}

std::int64_t now_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The run-queue wait of the calling thread (the second number of its
// schedstat), or 0. Async-signal-safe: open (once) and pread, no stdio.
std::uint64_t run_queue_wait_ns(TraceSampler::Traced& t) {
  int fd = t.schedstat_fd.load(std::memory_order_relaxed);
  if (fd == kNotOpened) {
    fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    t.schedstat_fd.store(fd >= 0 ? fd : kUnavailable, std::memory_order_relaxed);
  }
  if (fd < 0) return 0;
  char buf[80];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  std::uint64_t fields[2] = {0, 0};
  int field = 0;
  for (ssize_t i = 0; i < n && field < 2; ++i) {
    if (buf[i] >= '0' && buf[i] <= '9') {
      fields[field] = fields[field] * 10 + static_cast<std::uint64_t>(buf[i] - '0');
    } else if (i > 0 && buf[i - 1] >= '0' && buf[i - 1] <= '9') {
      ++field;
    }
  }
  return field >= 2 ? fields[1] : 0;
}

// Async-signal-safe: clock_gettime, pread, the shared unwinder, the
// thread's own preallocated buffer.
void record(TraceSampler::Traced& t, void* context) {
  std::size_t at = t.used.load(std::memory_order_relaxed);
  if (at + kRecordHeader + kTraceFrames > t.capacity) {
    t.dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::uint64_t* r = &t.words[at];
  r[0] = static_cast<std::uint64_t>(now_ns(CLOCK_MONOTONIC));
  r[1] = static_cast<std::uint64_t>(now_ns(CLOCK_THREAD_CPUTIME_ID));
  // The run-queue wait tells runnable from sleeping; a thread that ran for
  // most of the interval has little of either, so the read (a system call)
  // is skipped and the last value carried: the wait that accrued meanwhile
  // is told with the next interval that reads it.
  const std::uint64_t* last = t.last_record;
  bool mostly_ran = last != nullptr && (r[1] - last[1]) * 10 >= (r[0] - last[0]) * 9;
  r[2] = mostly_ran ? last[2] : run_queue_wait_ns(t);
  static_assert(sizeof(std::uint64_t) == sizeof(std::uintptr_t));
  int depth = unwind_from_signal(context, reinterpret_cast<std::uintptr_t*>(r + kRecordHeader), kTraceFrames);
  r[3] = static_cast<std::uint64_t>(depth) | (interrupted_blocking_syscall(context) ? kBlockedFlag : 0);
  t.last_record = r;
  t.used.store(at + kRecordHeader + static_cast<std::size_t>(depth), std::memory_order_release);
}

// Async-signal-safe (see record). A signal that arrives after the sampler
// stopped finds it inactive and leaves.
extern "C" void on_trace_signal(int, siginfo_t* info, void* context) {
  int saved_errno = errno;
  g_in_flight.fetch_add(1);
  if (info->si_code == SI_TIMER && g_active.load()) {
    auto value = static_cast<unsigned>(info->si_value.sival_int);
    std::size_t index = value & (kMaxTracedThreads - 1);
    if (signal_value(index, g_generation.load()) == info->si_value.sival_int) {
      TraceSampler::Traced* t = g_table[index].load(std::memory_order_acquire);
      if (t != nullptr) record(*t, context);
    }
  }
  g_in_flight.fetch_sub(1);
  errno = saved_errno;
}

Result<int> trace_signal() {
  prepare_unwinder();
  return claim_realtime_signal(g_signal, on_trace_signal);
}

}  // namespace

int TraceSampler::rate_for(std::size_t threads) {
  std::size_t hz = threads == 0 ? kMaxTraceHz : kMaxSignalsPerSecond / threads;
  return static_cast<int>(std::clamp<std::size_t>(hz, 10, kMaxTraceHz));
}

TraceSampler::TraceSampler(int hz, std::chrono::milliseconds duration, int signal)
    : hz_(hz), duration_(duration), signal_(signal) {}

Result<std::unique_ptr<TraceSampler>> TraceSampler::start(int hz, std::chrono::milliseconds duration) {
  if (g_running.exchange(true)) return Error{"a trace is already running; try again when it ends"};
  auto sig = trace_signal();
  if (!sig) {
    g_running.store(false);
    return sig.error();
  }
  std::unique_ptr<TraceSampler> sampler(new TraceSampler(hz, duration, *sig));
  g_generation.fetch_add(1);
  g_active.store(true);
  sampler->watch_new_threads();
  return sampler;
}

void TraceSampler::watch(pid_t tid, const std::string& name) {
  std::size_t index = traced_.size();
  // Room for the whole duration at the rate, with shallow stacks in mind
  // (a record takes its real depth, not the maximum).
  auto expected = static_cast<std::size_t>(duration_.count()) * static_cast<std::size_t>(hz_) / 1000 * 6 / 5 + 8;
  std::size_t words = std::min(expected * (kRecordHeader + 16) + kRecordHeader + kTraceFrames, kMaxBufferWords);
  if (index >= kMaxTracedThreads || words_reserved_ + words > kBudgetWords) {
    ++untraced_;
    return;
  }
  auto t = std::make_unique<Traced>();
  t->tid = tid;
  t->name = name;
  t->words.reset(new (std::nothrow) std::uint64_t[words]);
  if (!t->words) {
    ++untraced_;
    return;
  }
  t->capacity = words;
  words_reserved_ += words;
  g_table[index].store(t.get(), std::memory_order_release);

  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = signal_;
  event.sigev_value.sival_int = signal_value(index, g_generation.load());
#ifdef sigev_notify_thread_id
  event.sigev_notify_thread_id = tid;
#else
  event._sigev_un._tid = tid;
#endif
  long period_ns = 1000000000L / hz_;
  itimerspec every{};
  every.it_interval.tv_nsec = period_ns;
  // Spread the threads' first expiries over a period, so that their
  // signals do not all arrive in the same instant.
  every.it_value.tv_nsec = period_ns / 2 + static_cast<long>(index % 16) * (period_ns / 32) + 1;
  if (::timer_create(CLOCK_MONOTONIC, &event, &t->timer) == 0) {
    t->has_timer = true;
    if (::timer_settime(t->timer, 0, &every, nullptr) != 0) {
      ::timer_delete(t->timer);
      t->has_timer = false;
    }
  }
  if (!t->has_timer) ++untraced_;
  traced_.push_back(std::move(t));
}

void TraceSampler::watch_new_threads() {
  if (stopped_) return;
  for (const ThreadInfo& info : list_threads()) {
    auto at = std::lower_bound(seen_.begin(), seen_.end(), info.tid);
    if (at != seen_.end() && *at == info.tid) continue;
    seen_.insert(at, info.tid);
    // The agent's own threads block every signal: never sampled.
    if (is_agent_thread(info.tid) || info.state == 'Z' || info.state == 'X') continue;
    watch(info.tid, info.name);
  }
}

std::vector<TracedThread> TraceSampler::stop() {
  std::vector<TracedThread> out;
  if (stopped_) return out;
  stopped_ = true;
  g_active.store(false);
  for (const auto& t : traced_)
    if (t->has_timer) ::timer_delete(t->timer);
  // Handlers still running finish their record before the buffers are read.
  for (int i = 0; i < 1000 && g_in_flight.load() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (std::size_t i = 0; i < traced_.size(); ++i) g_table[i].store(nullptr, std::memory_order_release);
  for (const auto& t : traced_)
    if (int fd = t->schedstat_fd.load(); fd >= 0) ::close(fd);

  for (const auto& t : traced_) {
    TracedThread thread;
    thread.tid = t->tid;
    thread.name = t->name;
    thread.dropped = t->dropped.load();
    std::size_t used = t->used.load(std::memory_order_acquire);
    for (std::size_t at = 0; at + kRecordHeader <= used;) {
      const std::uint64_t* r = &t->words[at];
      auto depth = static_cast<std::size_t>(r[3] & ~kBlockedFlag);
      if (depth > static_cast<std::size_t>(kTraceFrames) || at + kRecordHeader + depth > used) break;
      TraceSample s;
      s.wall_ns = static_cast<std::int64_t>(r[0]);
      s.cpu_ns = static_cast<std::int64_t>(r[1]);
      s.wait_ns = static_cast<std::int64_t>(r[2]);
      s.was_blocked = (r[3] & kBlockedFlag) != 0;
      s.pcs.assign(r + kRecordHeader, r + kRecordHeader + depth);
      thread.samples.push_back(std::move(s));
      at += kRecordHeader + depth;
    }
    out.push_back(std::move(thread));
  }
  traced_.clear();
  g_running.store(false);
  return out;
}

TraceSampler::~TraceSampler() {
  if (!stopped_) stop();
}

}  // namespace gops::agent
