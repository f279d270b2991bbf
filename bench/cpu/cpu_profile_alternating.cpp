// CPU profiler overhead with the machine's drift cancelled: THREADS workers
// run the unit of work (workload.hpp) without a break while the profiler is
// switched on and off every PHASE_MS, in one process. Each worker adds its
// CPU time and units to the phase they belong to; a profiled phase is set
// against the mean of the bare phases on either side of it, so what a busy
// shared machine does to the speed of the work over seconds cancels out.
// Prints the median and quartiles of those ratios, and what a sample cost
// (the profiled phases' extra CPU time / samples taken).
//
//   cpu_profile_alternating gops [THREADS] [PAIRS] [PHASE_MS]
//   cpu_profile_alternating_gperftools gperftools [THREADS] [PAIRS] [PHASE_MS]
//
// gops: the agent's sampler (CpuSampler, 100 Hz, a CPU-time timer per
// thread), started and stopped directly: what the profiled threads pay. The
// agent's own thread (draining, symbolizing) is not in this measure; the
// whole-process measure is cpu_profile_bench's. gperftools: ProfilerStart /
// ProfilerStop (100 Hz, ITIMER_PROF), in its own binary (libprofiler owns
// SIGPROF once loaded).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "agent/capture/cpu_sampler.hpp"
#include "quantile.hpp"
#include "workload.hpp"

#ifdef GOPS_BENCH_GPERFTOOLS
#include <gperftools/profiler.h>
#endif

namespace {

using gops::bench::quantile;
using gops::bench::thread_cpu_ns;
using gops::bench::unit_of_work;

constexpr int kMaxPhases = 4096;
std::atomic<bool> g_stop{false};
std::atomic<int> g_phase{-1};  // -1: warming up; even: bare; odd: profiled
std::atomic<long long> g_phase_cpu_ns[kMaxPhases];
std::atomic<long long> g_phase_units[kMaxPhases];

void worker(std::uint64_t seed) {
  int phase = g_phase.load();
  long long begin_ns = thread_cpu_ns();
  long long units = 0, begin_units = 0;
  std::uint64_t sink = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 16; ++i) sink += unit_of_work(seed + static_cast<std::uint64_t>(units++));
    int now = g_phase.load(std::memory_order_relaxed);
    if (now == phase) continue;
    long long end_ns = thread_cpu_ns();
    if (phase >= 0 && phase < kMaxPhases) {
      g_phase_cpu_ns[phase].fetch_add(end_ns - begin_ns);
      g_phase_units[phase].fetch_add(units - begin_units);
    }
    phase = now;
    begin_ns = end_ns;
    begin_units = units;
  }
  asm volatile("" : : "r"(sink));
}

// Switches the profiler on; off() returns the samples it took.
struct Profiler {
#ifdef GOPS_BENCH_GPERFTOOLS
  std::string file = "/tmp/cpu_profile_alternating." + std::to_string(::getpid()) + ".prof";
  bool on() { return ProfilerStart(file.c_str()) != 0; }
  long off() {
    ProfilerState state{};
    ProfilerGetCurrentState(&state);
    ProfilerStop();
    std::remove(file.c_str());
    return state.samples_gathered;
  }
#else
  std::unique_ptr<gops::agent::CpuSampler> sampler;
  bool on() {
    auto started = gops::agent::CpuSampler::start(std::chrono::milliseconds(10));
    if (!started) std::fprintf(stderr, "cpu_profile_alternating: %s\n", started.message().c_str());
    sampler = started ? std::move(*started) : nullptr;
    return sampler != nullptr;
  }
  long off() {
    sampler->stop();
    long samples = static_cast<long>(sampler->dropped());
    sampler->drain([&](std::span<const std::uintptr_t>, std::uint32_t weight) { samples += weight; });
    sampler.reset();
    return samples;
  }
#endif
};

}  // namespace

int main(int argc, char** argv) {
#ifdef GOPS_BENCH_GPERFTOOLS
  const std::string profiler = "gperftools";
#else
  const std::string profiler = "gops";
#endif
  std::string mode = argc > 1 ? argv[1] : profiler;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  int pairs = argc > 3 ? std::atoi(argv[3]) : 40;
  int phase_ms = argc > 4 ? std::atoi(argv[4]) : 250;
  if (mode != profiler || threads < 1 || pairs < 1 || 2 * pairs + 1 > kMaxPhases || phase_ms < 1) {
    std::fprintf(stderr, "usage: %s %s [THREADS] [PAIRS] [PHASE_MS]\n", argv[0], profiler.c_str());
    return 2;
  }
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(worker, 1000003ull * static_cast<std::uint64_t>(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // warm-up

  Profiler p;
  long samples = 0;
  for (int phase = 0; phase <= 2 * pairs; ++phase) {
    bool profiled = phase % 2 == 1;
    // The profiled phase lies within the profiler's time on.
    if (profiled && !p.on()) return 1;
    g_phase = phase;
    std::this_thread::sleep_for(std::chrono::milliseconds(phase_ms));
    if (profiled) samples += p.off();
  }
  g_phase = 2 * pairs + 1;
  g_stop = true;
  for (auto& w : workers) w.join();

  auto per_unit = [](int phase) {
    long long units = g_phase_units[phase].load();
    return units > 0 ? static_cast<double>(g_phase_cpu_ns[phase].load()) / static_cast<double>(units) : 0.0;
  };
  std::vector<double> ratios;
  double extra_ns = 0;
  for (int phase = 1; phase < 2 * pairs; phase += 2) {
    double bare = (per_unit(phase - 1) + per_unit(phase + 1)) / 2;
    if (bare <= 0 || per_unit(phase) <= 0) continue;
    ratios.push_back(per_unit(phase) / bare);
    extra_ns += (per_unit(phase) - bare) * static_cast<double>(g_phase_units[phase].load());
  }
  std::printf(
      "profiler=%s threads=%d pairs=%d phase_ms=%d ratio_median=%.4f ratio_q1=%.4f ratio_q3=%.4f samples=%ld "
      "ns_per_sample=%.0f\n",
      profiler.c_str(), threads, pairs, phase_ms, quantile(ratios, 0.5), quantile(ratios, 0.25),
      quantile(ratios, 0.75), samples, samples > 0 ? extra_ns / static_cast<double>(samples) : 0.0);
  return 0;
}
