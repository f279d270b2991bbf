// What one SIGPROF sample costs the thread it interrupts, measured directly:
// one thread runs a fixed amount of work (workload.hpp) again and again,
// bare and under a stream of SIGPROF with these handlers in turn:
//
//   signal      an empty SA_SIGINFO handler: the kernel's delivery and return
//   tick        the same empty handler, its signals from 16 CPU-time timers
//               of the thread (a real-time signal, so none is merged): 16
//               signals at each scheduler tick, which comes anyway, as the
//               profiler's own timer's signal does
//   unwind      the profiler's stack walk (unwind_from_signal) into a buffer
//   sampler     the CPU profiler itself (CpuSampler: its handler, its ring,
//               its per-thread CPU timer)
//   gperftools  gperftools' CPU profiler (ProfilerStart; in the separate
//               binary cpu_sample_cost_gperftools, as libprofiler owns SIGPROF;
//               run it with CPUPROFILE_FREQUENCY=1 so that its own timer
//               adds next to nothing to the driver's signals)
//
// A CPU-time timer fires at most once per scheduler tick (250 Hz here), too
// few signals to see a few microseconds each in the noise of a shared VM;
// so a wall-clock timer of the thread (SIGEV_THREAD_ID, SI_TIMER like the
// profiler's own) drives the signals at PERIOD_US. A round runs every mode
// once, in a rotated order; the cost of a signal in a round is (the mode's
// CPU time - the bare run's) / signals handled. Prints per mode the median
// and quartiles over the rounds, and for `unwind` the walk's own time taken
// inside the handler (the first walk on a fresh thread apart: the
// per-thread cache is cold).
//
// CLOCK `cpu` instead drives the signals by the thread's CPU-time clock,
// as the profiler does (one per tick at most; `sampler` and `gperftools`
// then run on their own timers alone, CPUPROFILE_FREQUENCY=1000 for the
// latter): the real case, with fewer signals to measure by (`tick` has
// more).
// Also printed: the kernel's delivery of a signal alone, as a thread that
// signals itself (tgkill) pays it beyond a bare system call.
//
//   cpu_sample_cost [ROUNDS] [UNITS_PER_RUN] [PERIOD_US] [wall|cpu]
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "agent/capture/cpu_sampler.hpp"
#include "agent/capture/stack_capture.hpp"
#include "agent/capture/unwind.hpp"
#include "quantile.hpp"
#include "workload.hpp"

#ifdef GOPS_BENCH_GPERFTOOLS
#include <gperftools/profiler.h>
#endif

namespace {

using gops::bench::quantile;
using gops::bench::thread_cpu_ns;
using gops::bench::unit_of_work;

std::atomic<long> g_signals{0};
std::atomic<long> g_frames{0};
// The walk's own duration in the `unwind` handler, per call.
constexpr int kMaxTimed = 1 << 16;
std::int64_t g_walk_ns[kMaxTimed];
std::atomic<int> g_timed{0};

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

extern "C" void on_signal_only(int, siginfo_t*, void*) { g_signals.fetch_add(1, std::memory_order_relaxed); }

extern "C" void on_signal_unwind(int, siginfo_t*, void* context) {
  int saved_errno = errno;
  std::uintptr_t pcs[gops::agent::kMaxFrames];
  std::int64_t begin = monotonic_ns();
  int depth = gops::agent::unwind_from_signal(context, pcs, gops::agent::kMaxFrames);
  std::int64_t took = monotonic_ns() - begin;
  int i = g_timed.fetch_add(1, std::memory_order_relaxed);
  if (i < kMaxTimed) g_walk_ns[i] = took;
  g_frames.fetch_add(depth, std::memory_order_relaxed);
  g_signals.fetch_add(1, std::memory_order_relaxed);
  errno = saved_errno;
}

// Installs `handler` for SIGPROF, or (nullptr) puts back what was there
// before (SIG_DFL, or libprofiler's handler in the gperftools binary).
void set_sigprof(void (*handler)(int, siginfo_t*, void*)) {
  static struct sigaction saved{};
  if (handler == nullptr) {
    ::sigaction(SIGPROF, &saved, nullptr);
    return;
  }
  struct sigaction action{};
  action.sa_sigaction = handler;
  action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigfillset(&action.sa_mask);  // as the profiler's handler
  ::sigaction(SIGPROF, &action, &saved);
}

clockid_t g_driver_clock = CLOCK_MONOTONIC;

// A timer on g_driver_clock that sends SIGPROF to the calling thread.
timer_t arm_driver_timer(long period_us) {
  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = SIGPROF;
  event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
  timer_t timer{};
  if (::timer_create(g_driver_clock, &event, &timer) != 0) {
    std::perror("timer_create");
    std::exit(1);
  }
  itimerspec every{};
  every.it_interval.tv_sec = period_us / 1'000'000;
  every.it_interval.tv_nsec = (period_us % 1'000'000) * 1000;
  every.it_value = every.it_interval;
  ::timer_settime(timer, 0, &every, nullptr);
  return timer;
}

std::uint64_t g_sink = 0;

std::int64_t run_units(long units) {
  std::int64_t begin = thread_cpu_ns();
  std::uint64_t sink = 0;
  for (long i = 0; i < units; ++i) sink += unit_of_work(static_cast<std::uint64_t>(i));
  g_sink ^= sink;
  return thread_cpu_ns() - begin;
}

struct Run {
  std::int64_t cpu_ns = 0;
  long signals = 0;
};

Run run_mode(const std::string& mode, long units, long period_us) {
  Run run;
  if (mode == "bare") {
    run.cpu_ns = run_units(units);
  } else if (mode == "signal" || mode == "unwind") {
    set_sigprof(mode == "signal" ? on_signal_only : on_signal_unwind);
    g_signals = 0;
    timer_t timer = arm_driver_timer(period_us);
    run.cpu_ns = run_units(units);
    ::timer_delete(timer);
    run.signals = g_signals.load();
    set_sigprof(nullptr);
  } else if (mode == "tick") {
    constexpr int kTimers = 16;
    const int signo = SIGRTMIN + 3;
    struct sigaction action{}, saved{};
    action.sa_sigaction = on_signal_only;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&action.sa_mask);
    ::sigaction(signo, &action, &saved);
    g_signals = 0;
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = signo;
    event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
    itimerspec every{};
    every.it_interval.tv_nsec = 1'000'000;  // below the tick: one expiry per tick
    every.it_value = every.it_interval;
    timer_t timers[kTimers];
    for (timer_t& t : timers) {
      if (::timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &t) != 0) std::exit(1);
      ::timer_settime(t, 0, &every, nullptr);
    }
    run.cpu_ns = run_units(units);
    for (timer_t t : timers) ::timer_delete(t);
    run.signals = g_signals.load();
    ::sigaction(signo, &saved, nullptr);
  } else if (mode == "sampler") {
    // Its own CPU timer as good as off under the wall-clock driver (its
    // tick-borne signals cost less and would blur the comparison).
    auto period = g_driver_clock == CLOCK_MONOTONIC ? std::chrono::microseconds(std::chrono::hours(1))
                                                    : std::chrono::microseconds(period_us);
    auto sampler = gops::agent::CpuSampler::start(period);
    if (!sampler) {
      std::fprintf(stderr, "cpu_sample_cost: %s\n", sampler.message().c_str());
      std::exit(1);
    }
    timer_t timer = g_driver_clock == CLOCK_MONOTONIC ? arm_driver_timer(period_us) : nullptr;
    run.cpu_ns = run_units(units);
    if (timer != nullptr) ::timer_delete(timer);
    (*sampler)->stop();
    (*sampler)->drain([&](std::span<const std::uintptr_t>, std::uint32_t) { ++run.signals; });
    run.signals += static_cast<long>((*sampler)->dropped());
  } else if (mode == "gperftools") {
#ifdef GOPS_BENCH_GPERFTOOLS
    static const std::string file = "/tmp/cpu_sample_cost." + std::to_string(::getpid()) + ".prof";
    if (!ProfilerStart(file.c_str())) {
      std::fprintf(stderr, "cpu_sample_cost: ProfilerStart failed\n");
      std::exit(1);
    }
    timer_t timer = g_driver_clock == CLOCK_MONOTONIC ? arm_driver_timer(period_us) : nullptr;
    run.cpu_ns = run_units(units);
    if (timer != nullptr) ::timer_delete(timer);
    ProfilerState state{};
    ProfilerGetCurrentState(&state);
    run.signals = state.samples_gathered;
    ProfilerStop();
    std::remove(file.c_str());
#endif
  }
  return run;
}

// The first walks on fresh threads (cold per-thread cache) and warm ones.
// A signal's delivery and return alone: tgkill to oneself against a bare
// system call, in a tight loop (warm caches: a lower bound).
void delivery_cost() {
  set_sigprof(on_signal_only);
  pid_t pid = ::getpid();
  auto tid = static_cast<pid_t>(::syscall(SYS_gettid));
  constexpr int kCalls = 100000;
  std::vector<double> syscall_ns, signal_ns;
  for (int r = 0; r < 5; ++r) {
    std::int64_t a = thread_cpu_ns();
    for (int i = 0; i < kCalls; ++i) ::syscall(SYS_getppid);
    std::int64_t b = thread_cpu_ns();
    for (int i = 0; i < kCalls; ++i) ::syscall(SYS_tgkill, pid, tid, SIGPROF);
    std::int64_t c = thread_cpu_ns();
    syscall_ns.push_back(static_cast<double>(b - a) / kCalls);
    signal_ns.push_back(static_cast<double>(c - b) / kCalls);
  }
  set_sigprof(nullptr);
  std::printf("a bare system call (getppid): %.0f ns; tgkill to oneself, delivered and returned: %.0f ns\n",
              quantile(syscall_ns, 0.5), quantile(signal_ns, 0.5));
}

[[maybe_unused]] void walk_times_on_fresh_threads(long period_us) {
  std::vector<double> first, later, faults;
  set_sigprof(on_signal_unwind);
  for (int t = 0; t < 8; ++t) {
    g_timed = 0;
    std::thread([&] {
      auto minor_faults = [] {
        rusage usage{};
        ::getrusage(RUSAGE_THREAD, &usage);
        return static_cast<double>(usage.ru_minflt);
      };
      (void)run_units(10);
      double before = minor_faults();
      timer_t timer = arm_driver_timer(period_us);
      while (g_timed.load() < 1) (void)run_units(1);
      faults.push_back(minor_faults() - before);
      while (g_timed.load() < 50) (void)run_units(10);
      ::timer_delete(timer);
    }).join();
    first.push_back(static_cast<double>(g_walk_ns[0]));
    for (int i = 1; i < 50; ++i) later.push_back(static_cast<double>(g_walk_ns[i]));
  }
  set_sigprof(nullptr);
  std::printf("unwind walk, fresh threads: first walk median %.0f ns (max %.0f, %.0f page faults); walks 2-50 median %.0f ns, "
              "p90 %.0f ns\n",
              quantile(first, 0.5), quantile(first, 1), quantile(faults, 0.5), quantile(later, 0.5), quantile(later, 0.9));
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  long units = argc > 2 ? std::atol(argv[2]) : 50000;
  long period_us = argc > 3 ? std::atol(argv[3]) : 200;
  std::string clock = argc > 4 ? argv[4] : "wall";
  g_driver_clock = clock == "cpu" ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
  if (rounds < 1 || units < 1 || period_us < 1 || (clock != "cpu" && clock != "wall")) {
    std::fprintf(stderr, "usage: %s [ROUNDS] [UNITS_PER_RUN] [PERIOD_US] [wall|cpu]\n", argv[0]);
    return 2;
  }
  gops::agent::prepare_unwinder();
#ifdef GOPS_BENCH_GPERFTOOLS
  const std::vector<std::string> modes = {"bare", "signal", "gperftools"};
#else
  const std::vector<std::string> modes = {"bare", "signal", "unwind", "sampler", "tick"};
#endif
  for (std::size_t m = 1; m < modes.size(); ++m) (void)run_mode(modes[m], units / 10, period_us);  // warm-up
  g_timed = 0;
  g_frames = 0;

  std::vector<std::vector<double>> per_unit(modes.size()), per_signal(modes.size()), rate(modes.size()),
      beyond_empty(modes.size());
  for (int round = 0; round < rounds; ++round) {
    std::vector<Run> runs(modes.size());
    for (std::size_t k = 0; k < modes.size(); ++k) {
      std::size_t m = (k + static_cast<std::size_t>(round)) % modes.size();
      runs[m] = run_mode(modes[m], units, period_us);
    }
    for (std::size_t m = 0; m < modes.size(); ++m) {
      per_unit[m].push_back(static_cast<double>(runs[m].cpu_ns) / static_cast<double>(units));
      if (runs[m].signals > 0) {
        per_signal[m].push_back(static_cast<double>(runs[m].cpu_ns - runs[0].cpu_ns) /
                                static_cast<double>(runs[m].signals));
        rate[m].push_back(static_cast<double>(runs[m].signals) * 1e9 / static_cast<double>(runs[m].cpu_ns));
        // Against the empty handler's run of the same round, signal for signal.
        if (modes[1] == "signal" && m > 1 && runs[1].signals > 0)
          beyond_empty[m].push_back(static_cast<double>(runs[m].cpu_ns - runs[1].cpu_ns) /
                                    static_cast<double>(runs[m].signals));
      }
    }
  }
  std::printf("%d rounds x %ld units, %s timer period %ld us, load %s", rounds, units, clock.c_str(), period_us,
              [] {
                static char buf[64] = "?\n";
                if (FILE* f = std::fopen("/proc/loadavg", "r")) {
                  if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
                  std::fclose(f);
                }
                return buf;
              }());
  // The empty handler's cost is the delivery's (and, for a wall-clock
  // timer, its interrupt's): what a handler adds is the difference.
  std::printf("| mode | CPU ns per unit, median | signals per CPU s | cost per signal, ns: median | q1 | q3 | "
              "beyond an empty handler, ns |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (std::size_t m = 0; m < modes.size(); ++m) {
    double median = quantile(per_signal[m], 0.5);
    std::string beyond = beyond_empty[m].empty() || modes[m] == "tick"
                             ? "-"
                             : std::to_string(std::lround(quantile(beyond_empty[m], 0.5)));
    std::printf("| %s | %.1f | %.0f | %.0f | %.0f | %.0f | %s |\n", modes[m].c_str(), quantile(per_unit[m], 0.5),
                quantile(rate[m], 0.5), median, quantile(per_signal[m], 0.25), quantile(per_signal[m], 0.75),
                beyond.c_str());
  }
  delivery_cost();
#ifndef GOPS_BENCH_GPERFTOOLS
  int timed = std::min(g_timed.load(), kMaxTimed);
  std::vector<double> walks(g_walk_ns, g_walk_ns + timed);
  std::printf("unwind walk inside the handler (%d walks, %.1f frames each): median %.0f ns, p90 %.0f ns, max %.0f ns\n",
              timed, static_cast<double>(g_frames.load()) / std::max(1, g_timed.load()), quantile(walks, 0.5),
              quantile(walks, 0.9), quantile(walks, 1));
  walk_times_on_fresh_threads(period_us);
#endif
  std::printf("sink=%llu\n", static_cast<unsigned long long>(g_sink & 0xff));
  return 0;
}
