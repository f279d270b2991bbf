// `gops <pid> [period]` and `gops process|pid|proc` against real processes.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/process.hpp"

namespace gops::test {
namespace {

RunResult gops(std::vector<std::string> args) {
  args.insert(args.begin(), gops_cli());
  return run(args);
}

std::string my_user() { return getpwuid(getuid())->pw_name; }

TEST(ProcessCommand, PrintsTheGoGopsLinesForAGoProcess) {
  Child c = Child::spawn({go_bin("listed"), "listen"});
  ASSERT_TRUE(c.wait_for_output("ready\n"));
  std::smatch m;
  std::string out = c.output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("port (\\d+)")));
  const std::string port = m[1];

  auto r = gops({std::to_string(c.pid())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::regex expected(
      "parent PID:\t" + std::to_string(getpid()) + "\n"
      "threads:\t[0-9]+\n"
      "memory usage:\t[0-9]+\\.[0-9]{3}%\n"
      "cpu usage:\t[0-9]+\\.[0-9]{3}%\n"
      "username:\t" + my_user() + "\n"
      "cmd\\+args:\t" + go_bin("listed") + " listen\n"
      "elapsed time:\t00:0[0-9]\n"
      "local/remote:\t127.0.0.1:" + port + " <-> 0.0.0.0:0 \\(LISTEN\\)\n");
  EXPECT_TRUE(std::regex_match(r.out, expected)) << r.out;

  // The aliases print the same lines.
  for (const char* alias : {"process", "pid", "proc"}) {
    auto a = gops({alias, std::to_string(c.pid())});
    EXPECT_EQ(a.exit_code, 0) << alias << a.err;
    EXPECT_NE(a.out.find("cmd+args:\t" + go_bin("listed") + " listen\n"), std::string::npos) << alias;
  }
}

// CPU seconds of a process from its stat line, read by the test itself.
double cpu_seconds_of(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; in >> field && i <= 15; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(ProcessCommand, MeasuresCpuOverAPeriod) {
  // A shell loop burns CPU; what gops reports over the period must agree
  // with what the test measures around the same run (the machine may be
  // busy, so the loop's share is not known in advance).
  Child busy = Child::spawn({"sh", "-c", "while :; do :; done"});
  for (const std::string period : {"1s", "1", "500ms"}) {
    double cpu0 = cpu_seconds_of(busy.pid());
    auto t0 = std::chrono::steady_clock::now();
    auto r = gops({std::to_string(busy.pid()), period});
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double measured = 100 * (cpu_seconds_of(busy.pid()) - cpu0) / wall;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string shown = period == "1" ? "1s" : period;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("cpu usage \\(" + shown + "\\):\t([0-9.]+)%\n"))) << r.out;
    double pct = std::stod(m[1]);
    EXPECT_GT(pct, 5.0) << r.out;
    EXPECT_NEAR(pct, measured, 30.0) << r.out;
  }
  Child idle = Child::spawn({"sleep", "30"});
  auto r = gops({"process", std::to_string(idle.pid()), "500ms"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("cpu usage \\(500ms\\):\t([0-9.]+)%\n"))) << r.out;
  EXPECT_LT(std::stod(m[1]), 5.0);
}

TEST(ProcessCommand, JsonHasTheSameFacts) {
  Child c = Child::spawn({"sleep", "30"});
  ASSERT_TRUE(eventually([&] { return gops({"--json", "process", std::to_string(c.pid())}).out.find("sleep 30") != std::string::npos; }));
  auto r = gops({"process", std::to_string(c.pid()), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["pid"], c.pid());
  EXPECT_EQ(j["ppid"], getpid());
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["cmdline"], "sleep 30");
  EXPECT_EQ(j["username"], my_user());
  EXPECT_TRUE(j["connections"].empty());
}

TEST(ProcessCommand, BadInputIsOneClearLine) {
  Child dead = Child::spawn({"true"});
  pid_t dead_pid = dead.pid();
  dead.wait();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{std::to_string(dead_pid)}, "no process with PID " + std::to_string(dead_pid)},
      {{"process", "abc"}, "not a PID"},
      {{"process", "0"}, "not a PID"},
      {{"999999999"}, "no process with PID 999999999"},
      {{"1", "soon"}, "not a duration"},
      {{"1", "-2s"}, "negative duration"},
      {{"process"}, "pid is required"},
  };
  for (const auto& c : cases) {
    auto r = gops(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args[0];
    EXPECT_EQ(r.out, "") << c.args[0];
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(ProcessCommand, HelpAndVersion) {
  auto v = gops({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(std::regex_match(v.out, std::regex("gops [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << v.out;
  for (const char* h : {"help", "--help"}) {
    auto r = gops({h});
    EXPECT_EQ(r.exit_code, 0) << h;
    EXPECT_NE(r.out.find("tree"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("process"), std::string::npos) << r.out;
  }
  auto unknown = gops({"frobnicate"});
  EXPECT_NE(unknown.exit_code, 0);
}

}  // namespace
}  // namespace gops::test
