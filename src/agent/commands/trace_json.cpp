#include "agent/commands/trace_json.hpp"

#include <cstdio>
#include <unordered_map>

#include "agent/commands/json_text.hpp"

namespace gops::agent {
namespace {

// Microseconds since the start of sampling, as the format wants them.
std::string micros(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
  return buf;
}

struct EventWriter {
  std::string& out;
  pid_t pid;
  std::int64_t origin_ns;
  bool first = true;

  void begin_event() {
    out += first ? "\n" : ",\n";
    first = false;
  }

  // A complete event; `args` is a JSON object's text or empty.
  void complete(pid_t tid, const std::string& name, const char* category, std::int64_t from_ns, std::int64_t to_ns,
                const std::string& args) {
    begin_event();
    out += "{\"ph\":\"X\",\"name\":";
    append_json_string(out, name);
    out += ",\"cat\":\"";
    out += category;
    out += "\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid);
    out += ",\"ts\":" + micros(from_ns - origin_ns) + ",\"dur\":" + micros(to_ns - from_ns);
    if (!args.empty()) out += ",\"args\":" + args;
    out += "}";
  }

  void name_of(const char* what, pid_t tid, const std::string& name) {
    begin_event();
    out += "{\"ph\":\"M\",\"name\":\"";
    out += what;
    out += "\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"name\":";
    append_json_string(out, name);
    out += "}}";
  }
};

// One level of the flame chart that is still open.
struct OpenSlice {
  TraceFrameName frame;
  std::int64_t start_ns = 0;
  std::int64_t cpu_ns = 0;  // the state level's CPU time
};

class ThreadChart {
 public:
  ThreadChart(EventWriter& writer, pid_t tid) : writer_(writer), tid_(tid) {}

  // The interval [from, to] spent in `path` (the state, then the frames
  // outermost first), with `cpu_ns` of CPU time.
  void add(const std::vector<TraceFrameName>& path, std::int64_t from_ns, std::int64_t to_ns, std::int64_t cpu_ns) {
    std::size_t keep = 0;
    // By function: a flame chart's box spans the samples in that function,
    // whatever line each was on (the box tells the first one's).
    while (keep < open_.size() && keep < path.size() && open_[keep].frame.function == path[keep].function) ++keep;
    close_above(keep, from_ns);
    for (std::size_t i = keep; i < path.size(); ++i) open_.push_back({path[i], from_ns, 0});
    if (!open_.empty()) open_.front().cpu_ns += cpu_ns;
    last_ns_ = to_ns;
  }

  void finish() { close_above(0, last_ns_); }

 private:
  void close_above(std::size_t depth, std::int64_t at_ns) {
    while (open_.size() > depth) {
      const OpenSlice& s = open_.back();
      std::string args;
      if (open_.size() == 1) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "{\"cpu_ms\":%.3f}", static_cast<double>(s.cpu_ns) / 1e6);
        args = buf;
      } else if (!s.frame.location.empty()) {
        args = "{\"at\":" + json_string(s.frame.location) + "}";
      }
      writer_.complete(tid_, s.frame.function, open_.size() == 1 ? "cpu" : "stack", s.start_ns, at_ns, args);
      open_.pop_back();
    }
  }

  EventWriter& writer_;
  pid_t tid_;
  std::vector<OpenSlice> open_;
  std::int64_t last_ns_ = 0;
};

// What the thread did most in an interval of `wall` ns: ran (`cpu`),
// waited for a CPU (`wait`), or slept (the rest).
const char* state_of(std::int64_t wall, std::int64_t cpu, std::int64_t wait) {
  std::int64_t slept = wall - cpu - wait;
  if (cpu >= wait && cpu >= slept) return "on-CPU";
  if (wait >= slept) return "runnable";
  return "off-CPU";
}

}  // namespace

std::string trace_event_json(const std::vector<TracedThread>& threads, const TraceMeta& meta,
                             const TraceSymbolizer& symbolize) {
  std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
  EventWriter writer{out, meta.pid, meta.start_ns};
  writer.name_of("process_name", 0, meta.process_name);

  // Frames by (pc, is_return_address): threads share most of their frames.
  std::unordered_map<std::uintptr_t, std::vector<TraceFrameName>> frames;
  auto frames_at = [&](std::uintptr_t pc, bool is_return_address) -> const std::vector<TraceFrameName>& {
    std::uintptr_t key = pc << 1 | (is_return_address ? 1 : 0);
    auto hit = frames.find(key);
    if (hit == frames.end()) hit = frames.emplace(key, symbolize(pc, is_return_address)).first;
    return hit->second;
  };

  std::size_t samples = 0, dropped = 0;
  const std::int64_t period_ns = meta.hz > 0 ? 1000000000 / meta.hz : 1000000;
  for (const TracedThread& thread : threads) {
    writer.name_of("thread_name", thread.tid, thread.name);
    samples += thread.samples.size();
    dropped += thread.dropped;
    ThreadChart chart(writer, thread.tid);
    std::vector<TraceFrameName> path;
    const char* state = nullptr;
    for (std::size_t i = 1; i < thread.samples.size(); ++i) {
      const TraceSample& before = thread.samples[i - 1];
      const TraceSample& now = thread.samples[i];
      std::int64_t wall = now.wall_ns - before.wall_ns;
      std::int64_t cpu = now.cpu_ns - before.cpu_ns;
      // Two samples close together (a late signal and the next on time)
      // say little: the interval keeps the state before it.
      if (now.was_blocked) {
        state = "off-CPU";  // the wake-up was ours: it slept until the signal
      } else if (state == nullptr || wall * 4 >= period_ns) {
        state = state_of(wall, cpu, now.wait_ns - before.wait_ns);
      }
      path.clear();
      path.push_back({state, {}});
      for (std::size_t f = now.pcs.size(); f-- > 0;)
        for (const TraceFrameName& name : frames_at(now.pcs[f], f > 0)) path.push_back(name);
      chart.add(path, before.wall_ns, now.wall_ns, cpu);
    }
    chart.finish();
  }

  writer.name_of("thread_name", meta.agent_tid, "gops agent");
  writer.complete(meta.agent_tid, "gops agent: sampling every thread", "gops", meta.start_ns, meta.stop_ns, "");
  writer.complete(meta.agent_tid, "gops agent: symbolizing and writing the trace", "gops", meta.stop_ns,
                  meta.written_ns, "");
  out += "\n],\"otherData\":{\"producer\":\"gops agent (C++)\",\"sample_hz_per_thread\":" + std::to_string(meta.hz) +
         ",\"threads\":" + std::to_string(threads.size()) + ",\"threads_not_traced\":" +
         std::to_string(meta.untraced_threads) + ",\"samples\":" + std::to_string(samples) +
         ",\"samples_dropped\":" + std::to_string(dropped) + "}}\n";
  return out;
}

}  // namespace gops::agent
