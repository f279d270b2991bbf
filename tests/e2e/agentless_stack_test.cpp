// `gops stack` without an agent against real Go programs: the test
// program (1000 goroutines parked in a known function, and one each
// spinning, sleeping, blocked on a mutex, in a select, in a system call,
// locked to its thread, in a generic function) built plain, stripped,
// -trimpath, PIE, with cgo, and by the other Go releases the suite
// fetched. The oracle is the runtime's own dump: SIGQUIT right after ours.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <signal.h>

#include <algorithm>

#include "attach/proc_task.hpp"
#include "attach/process_memory.hpp"
#include "support/go_target.hpp"
#include "support/go_oracle.hpp"
#include "stackdump/stack_dump.hpp"

namespace gops::test {
namespace {

constexpr int kParked = 1000;
// Besides the parked ones: main, generic, spin, sleeper, locker, selector,
// reader, lockedWaiter.
constexpr int kOthers = 8;

RunResult gops(const std::vector<std::string>& args, const Env& env = {}) {
  std::vector<std::string> argv{gops_cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, std::chrono::seconds(60));
}

GoTarget start_goroutines(const std::string& variant, Env env = {}) {
  env.emplace("GOTRACEBACK", "system");
  env.emplace("PARKED", std::to_string(kParked));
  return GoTarget::start({goroutines_binary(variant)}, env);
}

std::string first(const std::vector<std::string>& v, std::size_t n = 2) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) s += v[i] + "\n";
  return s;
}

// A goroutine that appears in one dump only must be the runtime's own
// (created, or finished, between the two dumps) or running.
void expect_only_runtime(const std::vector<std::uint64_t>& ids, const stackdump::StackDump& dump) {
  for (std::uint64_t id : ids)
    for (const auto& g : dump.goroutines)
      if (g.id == id) {
        bool runtime = g.created_by && g.created_by->function.rfind("runtime.", 0) == 0;
        EXPECT_TRUE(runtime || g.status == "running") << describe(g);
      }
}

class AgentlessVsRuntime : public ::testing::TestWithParam<std::string> {};

TEST_P(AgentlessVsRuntime, EveryParkedGoroutineAsTheRuntimePrintsIt) {
  auto t = start_goroutines(GetParam());
  ASSERT_TRUE(t.started()) << t.err();
  auto r = gops({"stack", "--all", t.pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ours = stackdump::parse_go(r.out);
  auto oracle = stackdump::parse_go(t.sigquit_dump());
  auto c = compare_with_oracle(ours, oracle);
  // Every goroutine but the spinner, and the runtime's own ones.
  EXPECT_GE(c.compared, static_cast<std::size_t>(kParked + kOthers - 1));
  EXPECT_TRUE(c.mismatches.empty()) << c.mismatches.size() << " differ, e.g.\n" << first(c.mismatches);
  expect_only_runtime(c.only_ours, ours);
  expect_only_runtime(c.only_oracle, oracle);
  EXPECT_EQ(ours.invalid, 0u);
}

std::vector<std::string> variants() {
  std::vector<std::string> v{"", "stripped", "trimpath", "pie", "cgo"};
  for (const auto& r : toolchain_releases()) v.push_back(r);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Builds, AgentlessVsRuntime, ::testing::ValuesIn(variants()),
                         [](const auto& test) {
                           std::string n = test.param.empty() ? "plain" : test.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

// With the program's own agent answering (runtime/pprof, debug=2), the
// agentless dump says the same of every parked goroutine, and hides what
// debug=2 hides.
TEST(AgentlessStack, EqualsTheAgentsDumpForParkedGoroutines) {
  TempDir config;
  auto t = start_goroutines("", {{"GOROUTINES_AGENT", "1"}, {"GOPS_CONFIG_DIR", config.path()}});
  ASSERT_TRUE(t.started()) << t.err();
  ASSERT_TRUE(eventually([&] { return !read_file(config.path() + "/" + t.pid_text()).empty(); }));
  auto agentless = gops({"stack", "--agentless", t.pid_text()}, {{"GOPS_CONFIG_DIR", config.path()}});
  auto agent = gops({"stack", t.pid_text()}, {{"GOPS_CONFIG_DIR", config.path()}});
  ASSERT_EQ(agentless.exit_code, 0) << agentless.err;
  ASSERT_EQ(agent.exit_code, 0) << agent.err;
  auto ours = stackdump::parse_go(agentless.out);
  auto theirs = stackdump::parse_go(agent.out);
  auto c = compare_with_oracle(ours, theirs);
  EXPECT_GE(c.compared, static_cast<std::size_t>(kParked + kOthers - 1));
  EXPECT_TRUE(c.mismatches.empty()) << c.mismatches.size() << " differ, e.g.\n" << first(c.mismatches);
  // The agent's connection goroutine runs (theirs only); ours has the
  // accept loop in IO wait, which the agent shows too.
  EXPECT_LE(c.only_oracle.size(), 1u);
  EXPECT_TRUE(c.only_ours.empty());
  // Hidden as debug=2 hides them: no runtime goroutine, no runtime frame.
  for (const auto& g : ours.goroutines) {
    if (g.created_by) {
      EXPECT_NE(g.created_by->function.rfind("runtime.", 0), 0u) << describe(g);
    }
    for (const auto& f : g.frames) EXPECT_NE(f.function, "runtime.gopark") << describe(g);
  }
}

TEST(AgentlessStack, NoPortFileMeansAgentlessWithoutAsking) {
  auto t = start_goroutines("stripped");
  ASSERT_TRUE(t.started());
  TempDir empty;
  auto r = gops({"stack", t.pid_text()}, {{"GOPS_CONFIG_DIR", empty.path()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dump = stackdump::parse_go(r.out);
  std::size_t parked = 0;
  for (const auto& g : dump.goroutines)
    for (const auto& f : g.frames) parked += f.function == "main.parkedOnChannel";
  EXPECT_EQ(parked, static_cast<std::size_t>(kParked));
}

TEST(AgentlessStack, RunningGoroutineWithoutFreezeIsMarkedNotGuessed) {
  auto t = start_goroutines("");
  ASSERT_TRUE(t.started());
  auto r = gops({"stack", t.pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dump = stackdump::parse_go(r.out);
  bool found = false;
  for (const auto& g : dump.goroutines) {
    if (!g.created_by || g.created_by->line != 146) continue;  // go spin()
    found = true;
    if (g.status != "running") continue;  // preempted just then: parked frames are fine
    ASSERT_FALSE(g.notes.empty()) << describe(g);
    if (g.frames.empty()) {
      EXPECT_EQ(g.notes.front(), "goroutine running on a CPU; stack unavailable without --freeze");
    } else {
      EXPECT_NE(g.notes.front().find("may be out of date"), std::string::npos) << describe(g);
    }
  }
  EXPECT_TRUE(found) << r.out.substr(0, 2000);
}

std::uint64_t spin_counter(const GoTarget& t) {
  auto out = t.out();
  auto at = out.find("spin=");
  std::uint64_t addr = std::strtoull(out.c_str() + at + 5, nullptr, 0);
  attach::ProcessMemory mem(t.pid());
  auto v = attach::read_value<std::uint64_t>(mem, addr);
  return v ? *v : 0;
}

TEST(AgentlessStack, FreezeShowsTheSpinnerFromItsThreadAndSaysHowLongItStopped) {
  auto t = start_goroutines("stripped");
  ASSERT_TRUE(t.started());
  auto r = gops({"stack", "--freeze", t.pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dump = stackdump::parse_go(r.out);
  bool spinner = false;
  for (const auto& g : dump.goroutines)
    if (!g.frames.empty() && g.frames.front().function == "main.spin") spinner = true;
  EXPECT_TRUE(spinner) << "the running goroutine unwound from its thread's registers";
  ASSERT_FALSE(dump.notes.empty());
  EXPECT_EQ(dump.notes.back().rfind("the target was stopped for ", 0), 0u) << dump.notes.back();
  // Left running: nothing in a tracing stop, and the spinner still spins.
  EXPECT_EQ(thread_states_of(t.pid()).find('t'), std::string::npos);
  auto before = spin_counter(t);
  EXPECT_TRUE(eventually([&] { return spin_counter(t) > before; }));
}

TEST(AgentlessStack, JsonForAgentlessGoAgentAndCxxAgentDumps) {
  TempDir config;
  auto t = start_goroutines("", {{"GOROUTINES_AGENT", "1"}, {"GOPS_CONFIG_DIR", config.path()}});
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(eventually([&] { return !read_file(config.path() + "/" + t.pid_text()).empty(); }));
  for (bool agentless : {true, false}) {
    std::vector<std::string> args{"stack", "--json", t.pid_text()};
    if (agentless) args.insert(args.begin() + 1, "--agentless");
    auto r = gops(args, {{"GOPS_CONFIG_DIR", config.path()}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j["goroutines"].is_array());
    std::size_t parked = 0;
    for (const auto& g : j["goroutines"]) {
      ASSERT_TRUE(g["id"].is_number());
      ASSERT_TRUE(g["status"].is_string());
      for (const auto& f : g["frames"]) {
        if (f["function"] != "main.parkedOnChannel") continue;
        ++parked;
        EXPECT_GT(f["line"].get<int>(), 0);
        EXPECT_EQ(f.contains("pc"), agentless) << f.dump();
        EXPECT_EQ(g["created_by"]["function"], "main.main");
      }
    }
    EXPECT_EQ(parked, static_cast<std::size_t>(kParked)) << (agentless ? "agentless" : "agent");
  }

  // Our C++ agent's thread dump, parsed into the same kind of structure.
  TempDir cxx_config;
  auto hello = Child::spawn({binary_dir() + "/examples/hello/hello"}, {{"GOPS_CONFIG_DIR", cxx_config.path()}});
  ASSERT_TRUE(hello.wait_for_output("gops agent on"));
  auto r = gops({"stack", "--json", std::to_string(hello.pid())}, {{"GOPS_CONFIG_DIR", cxx_config.path()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j["threads"].is_array());
  ASSERT_FALSE(j["threads"].empty());
  bool main_frame = false;
  for (const auto& th : j["threads"]) {
    EXPECT_TRUE(th["tid"].is_number());
    for (const auto& f : th["frames"]) main_frame = main_frame || f["function"] == "main";
  }
  EXPECT_TRUE(main_frame) << r.out.substr(0, 3000);
}

TEST(AgentlessStats, AsTheGoAgentPrintsThem) {
  auto t = start_goroutines("stripped", {{"GOMAXPROCS", "3"}});
  ASSERT_TRUE(t.started());
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  std::string want_tail = "GOMAXPROCS: 3\nnum CPU: " + std::to_string(CPU_COUNT(&set)) + "\n";
  // Threads come and go as the runtime wants: ask until two reads agree.
  std::string out, want;
  EXPECT_TRUE(eventually([&] {
    auto r = gops({"stats", t.pid_text()});
    out = r.out;
    want = "goroutines: " + std::to_string(kParked + kOthers) +
           "\nOS threads: " + std::to_string(attach::list_threads(t.pid()).size()) + "\n" + want_tail;
    return r.exit_code == 0 && out == want;
  }, std::chrono::seconds(20)))
      << out << "\nwant\n" << want;
}

TEST(AgentlessVersion, TheReleaseThatBuiltIt) {
  for (const std::string& variant : variants()) {
    auto t = start_goroutines(variant);
    ASSERT_TRUE(t.started());
    auto r = gops({"version", t.pid_text()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto go = run({"go", "version", goroutines_binary(variant)});
    std::string want = go.out.substr(go.out.rfind(' ') + 1);  // "go1.19.8\n"
    EXPECT_EQ(r.out, want) << variant;
  }
}

TEST(AgentlessMemstats, SaysWhyNotInOneLine) {
  auto t = start_goroutines("stripped");
  ASSERT_TRUE(t.started());
  auto r = gops({"memstats", t.pid_text()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("memstats of go1.19.8 needs an agent"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gops::test
