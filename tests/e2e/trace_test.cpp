// Traces of a real C++ program (trace_host: a thread alternating 50 ms of
// CPU work and 50 ms of sleep) taken through our gops CLI: the Trace Event
// JSON is well-formed, and shows the rhythm and the functions behind it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/process.hpp"
#include "support/sanitizers.hpp"

namespace gops::test {
namespace {

using nlohmann::json;

// A sanitizer slows the host's handlers and wake-ups: the rhythm keeps its
// shape but not the last milliseconds.
#if defined(GOPS_TEST_ASAN) || defined(GOPS_TEST_TSAN)
constexpr double kRhythmToleranceMs = 10;
#else
constexpr double kRhythmToleranceMs = 5;  // 10% of 50 ms
#endif

class TraceHost {
 public:
  TraceHost() : child_(Child::spawn({GOPS_TRACE_HOST}, {{"GOPS_CONFIG_DIR", dir_.path()}})) {
    if (!child_.wait_for_output("port=")) throw std::runtime_error("trace_host did not start");
    std::smatch m;
    std::string out = child_.output();
    if (std::regex_search(out, m, std::regex("rhythm tid=(\\d+)"))) rhythm_tid_ = std::stoi(m[1]);
  }
  Env env() const { return {{"GOPS_CONFIG_DIR", dir_.path()}}; }
  pid_t pid() const { return child_.pid(); }
  int rhythm_tid() const { return rhythm_tid_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  Child child_;
  int rhythm_tid_ = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The fields the Trace Event format requires of each kind of event.
void expect_well_formed(const json& trace) {
  ASSERT_TRUE(trace.is_object());
  ASSERT_TRUE(trace.contains("traceEvents") && trace["traceEvents"].is_array());
  for (const json& e : trace["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph") && e["ph"].is_string()) << e.dump();
    ASSERT_TRUE(e.contains("name") && e["name"].is_string()) << e.dump();
    ASSERT_TRUE(e.contains("pid") && e["pid"].is_number_integer()) << e.dump();
    ASSERT_TRUE(e.contains("tid") && e["tid"].is_number_integer()) << e.dump();
    std::string ph = e["ph"];
    if (ph == "X") {
      ASSERT_TRUE(e.contains("ts") && e["ts"].is_number()) << e.dump();
      ASSERT_TRUE(e.contains("dur") && e["dur"].is_number() && e["dur"].get<double>() >= 0) << e.dump();
    } else {
      ASSERT_EQ(ph, "M") << e.dump();
      ASSERT_TRUE(e.contains("args") && e["args"].contains("name")) << e.dump();
    }
  }
}

TEST(Trace, ShowsTheRhythmOfAThreadThatWorksAndSleeps) {
  TraceHost host;
  ASSERT_GT(host.rhythm_tid(), 0);
  std::string file = host.dir() + "/trace.json";
  auto r = run({gops_cli(), "trace", "--seconds", "3", "-o", file, std::to_string(host.pid())}, host.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Tracing now, will take 3 secs...\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Trace dump saved to: " + file + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ui.perfetto.dev"), std::string::npos) << r.out;

  json trace = json::parse(read_file(file));
  expect_well_formed(trace);
  if (HasFatalFailure()) return;

  bool named = false;
  std::vector<json> states;  // the rhythm thread's on-/off-CPU slices
  bool work_in_on_cpu = false, rest_in_off_cpu = false;
  for (const json& e : trace["traceEvents"]) {
    if (e["tid"] != host.rhythm_tid()) continue;
    if (e["ph"] == "M" && e["name"] == "thread_name") named = e["args"]["name"] == "rhythm";
    if (e["ph"] == "X" && e.value("cat", "") == "cpu") states.push_back(e);
  }
  EXPECT_TRUE(named);
  ASSERT_GT(states.size(), 10u);
  std::sort(states.begin(), states.end(), [](const json& a, const json& b) { return a["ts"] < b["ts"]; });
  // Frames nest inside their state's slice.
  for (const json& e : trace["traceEvents"]) {
    if (e["tid"] != host.rhythm_tid() || e["ph"] != "X" || e.value("cat", "") != "stack") continue;
    double mid = e["ts"].get<double>() + e["dur"].get<double>() / 2;
    for (const json& s : states)
      if (s["ts"].get<double>() <= mid && mid <= s["ts"].get<double>() + s["dur"].get<double>()) {
        if (e["name"] == "trace_test_work" && s["name"] == "on-CPU") work_in_on_cpu = true;
        if (e["name"] == "trace_test_rest" && s["name"] == "off-CPU") rest_in_off_cpu = true;
      }
  }
  EXPECT_TRUE(work_in_on_cpu);
  EXPECT_TRUE(rest_in_off_cpu);

  // Bursts: the on-CPU slices and the runnable ones between them (a busy
  // machine makes the worker wait for a CPU now and then), through
  // off-CPU slices too short to be the 50 ms sleep (a clock read caught in
  // the kernel). Each whole burst did 50 ms of CPU work; each sleep between
  // two bursts lasted 50 ms.
  struct Burst {
    double start_us, end_us, cpu_ms;
  };
  std::vector<Burst> bursts;
  bool in_burst = false;
  for (const json& s : states) {
    double ts = s["ts"], dur = s["dur"], cpu = s["args"]["cpu_ms"];
    if (s["name"] == "off-CPU" && dur >= 10000) {
      in_burst = false;
      continue;
    }
    if (in_burst) {
      bursts.back().end_us = ts + dur;
      bursts.back().cpu_ms += cpu;
    } else {
      bursts.push_back({ts, ts + dur, cpu});
      in_burst = true;
    }
  }
  // 100 ms a cycle on a quiet machine; a loaded one stretches the work.
  ASSERT_GE(bursts.size(), 4u);
  std::vector<double> work_ms, sleep_ms;
  for (std::size_t i = 1; i + 1 < bursts.size(); ++i) {  // the first and last may be cut by the trace's ends
    work_ms.push_back(bursts[i].cpu_ms);
    sleep_ms.push_back((bursts[i + 1].start_us - bursts[i].end_us) / 1000);
  }
  EXPECT_NEAR(median(work_ms), 50, kRhythmToleranceMs) << "CPU work per burst, ms";
  EXPECT_NEAR(median(sleep_ms), 50, kRhythmToleranceMs) << "sleep between bursts, ms";

  // The agent's own work is marked on its thread.
  bool agent_marked = false;
  for (const json& e : trace["traceEvents"])
    if (e["ph"] == "X" && e["name"] == "gops agent: sampling every thread")
      agent_marked = std::abs(e["dur"].get<double>() / 1e6 - 3.0) < 0.3;
  EXPECT_TRUE(agent_marked);
  EXPECT_GT(trace["otherData"]["samples"].get<int>(), 1000);
}

// POSIX timers of a process (/proc/PID/timers): the tracer's per-thread
// timers while it samples.
int posix_timers_of(pid_t pid) {
  int count = 0;
  for (const auto& line : split_lines(read_file("/proc/" + std::to_string(pid) + "/timers")))
    count += line.rfind("ID:", 0) == 0;
  return count;
}

TEST(Trace, SecondTraceWhileOneRunsIsRefusedClearly) {
  TraceHost host;
  std::string first = host.dir() + "/first.json", second = host.dir() + "/second.json";
  Child running = Child::spawn({gops_cli(), "trace", "--seconds", "2", "-o", first, std::to_string(host.pid())},
                               host.env());
  ASSERT_TRUE(running.wait_for_output("Tracing now"));
  // The first trace runs once its per-thread timers exist in the host.
  ASSERT_TRUE(eventually([&] { return posix_timers_of(host.pid()) > 0; }, std::chrono::seconds(20)));
  auto r = run({gops_cli(), "trace", "--seconds", "1", "-o", second, std::to_string(host.pid())}, host.env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: gops agent (C++): trace refused: a trace is already running; try again when it ends\n");
  EXPECT_FALSE(std::filesystem::exists(second));
  EXPECT_EQ(running.wait(std::chrono::seconds(30)), 0);
  EXPECT_TRUE(json::accept(read_file(first)));
}

}  // namespace
}  // namespace gops::test
