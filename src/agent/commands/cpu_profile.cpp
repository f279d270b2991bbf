// pprof-cpu for a C++ process: samples every thread with SIGPROF for the
// requested time (cpu_sampler.hpp), then builds a gzipped pprof profile
// symbolized in this process (pprof/profile_builder.hpp). One at a time.
// gops::agent::close(), or the client hanging up, ends a profile under way
// at once: the client (if still there) gets a one-line "stopped" instead.
#include <sys/time.h>

#include <cstdlib>
#include <mutex>

#include "agent/capture/cpu_sampler.hpp"
#include "agent/commands/cancellation.hpp"
#include "agent/commands/commands.hpp"
#include "pprof/profile_builder.hpp"

namespace gops::agent {
namespace {

constexpr std::chrono::nanoseconds kPeriod = std::chrono::milliseconds(10);  // 100 Hz, as Go
constexpr std::chrono::milliseconds kRescan{100};  // how soon a new thread gets its timer

std::mutex g_profile_mutex;  // held for a whole profile

// Test-only switch: GOPS_AGENT_TEST_CPU_PROFILE_MS replaces every requested
// duration (the Go CLI's 30 s cannot be shortened otherwise). Read once.
std::chrono::milliseconds test_override(std::chrono::milliseconds requested) {
  static const long long override_ms = [] {
    const char* text = std::getenv("GOPS_AGENT_TEST_CPU_PROFILE_MS");
    return text ? std::atoll(text) : 0LL;
  }();
  return override_ms > 0 ? std::chrono::milliseconds(override_ms) : requested;
}

std::int64_t unix_nanos() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

Error refusal(const std::string& why) { return Error{"pprof-cpu refused: " + why}; }

}  // namespace

Result<std::string> cpu_profile_reply(std::chrono::milliseconds duration, const Cancellation& cancel) {
  duration = test_override(duration);
  if (duration.count() <= 0 || duration > kMaxCpuProfileDuration)
    return refusal("the duration must be more than 0 and at most 1 h, not " + std::to_string(duration.count()) +
                   " ms");
  std::unique_lock lock(g_profile_mutex, std::try_to_lock);
  if (!lock.owns_lock()) return Error{"pprof-cpu busy: a CPU profile is already being taken; try later"};

  pprof::ProfileSpec spec;
  spec.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  spec.period_type = {"cpu", "nanoseconds"};
  spec.period = kPeriod.count();
  spec.time_nanos = unix_nanos();
  pprof::ProfileBuilder builder(std::move(spec));
  auto started = std::chrono::steady_clock::now();
  auto sampler = CpuSampler::start(kPeriod);
  if (!sampler) return refusal(sampler.message());

  // Samples are merged by stack as they are drained: memory grows with the
  // distinct stacks, not with the duration.
  auto sink = [&](std::span<const std::uintptr_t> pcs, std::uint32_t weight) {
    std::int64_t values[] = {weight, weight * kPeriod.count()};
    builder.add_sample(pcs, values);
  };
  bool ran = tick_until(cancel.stop, started + duration, kRescan, [&] {
    (*sampler)->watch_new_threads();
    (*sampler)->drain(sink);
  });
  if (!ran) {
    sampler->reset();  // timers gone, the host's SIGPROF disposition back
    return Error{std::string("pprof-cpu stopped: ") + cancel.why()};
  }
  (*sampler)->stop();
  (*sampler)->drain(sink);
  builder.set_duration_nanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
  if (auto dropped = (*sampler)->dropped())
    builder.add_comment("gops: " + std::to_string(dropped) + " samples dropped (sample buffer full)");
  if (auto failures = (*sampler)->timer_failures())
    builder.add_comment("gops: " + std::to_string(failures) + " threads could not be given a CPU timer");
  sampler->reset();  // SIGPROF is the host's again before the (slower) symbolizing

  auto profile = builder.build_gzipped();
  if (!profile) return Error{"pprof-cpu failed: " + profile.message()};
  return profile;
}

}  // namespace gops::agent
