// trace for a C++ process: every thread sampled on a wall-clock timer for
// the requested time (trace_sampler.hpp), written as Trace Event JSON for
// Perfetto or chrome://tracing (trace_json.hpp). One trace at a time.
// gops::agent::close(), or the client hanging up, ends a trace under way at
// once (a one-line "stopped").
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "agent/capture/trace_sampler.hpp"
#include "agent/commands/cancellation.hpp"
#include "agent/commands/commands.hpp"
#include "agent/commands/trace_json.hpp"
#include "agent/host/proc_self.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent {
namespace {

constexpr std::chrono::milliseconds kRescan{100};  // how soon a new thread gets its timer

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<TraceFrameName> frames_at(std::uintptr_t pc, bool is_return_address) {
  std::vector<TraceFrameName> out;
  auto frames = symbolize::source_frames(is_return_address ? pc - 1 : pc);
  // source_frames gives the innermost (inlined) frame first.
  for (auto f = frames.rbegin(); f != frames.rend(); ++f) {
    TraceFrameName name;
    name.function = f->function;
    if (!f->file.empty()) name.location = base_name(f->file) + ":" + std::to_string(f->line);
    out.push_back(std::move(name));
  }
  if (out.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%zx", static_cast<std::size_t>(pc));
    out.push_back({buf, {}});
  }
  return out;
}

std::string process_name() {
  std::string comm = read_proc_file("/proc/self/comm", 64);
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

}  // namespace

Result<std::string> trace_reply(std::chrono::milliseconds duration, const Cancellation& cancel) {
  if (duration.count() <= 0 || duration > kMaxTraceDuration)
    return Error{"trace refused: the duration must be more than 0 and at most 10 min, not " +
                 std::to_string(duration.count()) + " ms"};
  TraceMeta meta;
  meta.pid = ::getpid();
  meta.agent_tid = static_cast<pid_t>(::syscall(SYS_gettid));
  meta.process_name = process_name();
  meta.start_ns = monotonic_ns();
  int threads_now = std::max(1, count_dir_entries("/proc/self/task"));
  auto sampler = TraceSampler::start(TraceSampler::rate_for(static_cast<std::size_t>(threads_now)), duration);
  if (!sampler) return Error{"trace refused: " + sampler.message()};
  meta.hz = (*sampler)->hz();

  if (!tick_until(cancel.stop, std::chrono::steady_clock::now() + duration, kRescan, [&] { (*sampler)->watch_new_threads(); })) {
    sampler->reset();  // timers gone, the signal's disposition back
    return Error{std::string("trace stopped: ") + cancel.why()};
  }
  meta.untraced_threads = (*sampler)->untraced_threads();
  std::vector<TracedThread> threads = (*sampler)->stop();
  meta.stop_ns = monotonic_ns();
  sampler->reset();

  // Symbolize first (the symbolizer caches by address), so the agent's own
  // "writing" interval can be stated before the text is put together.
  symbolize::allow_refresh();
  for (const TracedThread& t : threads)
    for (const TraceSample& s : t.samples)
      for (std::size_t f = 0; f < s.pcs.size(); ++f) (void)symbolize::source_frames(f > 0 ? s.pcs[f] - 1 : s.pcs[f]);
  meta.written_ns = monotonic_ns();
  return trace_event_json(threads, meta, frames_at);
}

}  // namespace gops::agent
