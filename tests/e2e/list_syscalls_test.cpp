// What `gops` asks of each process, traced with strace: one statx of the
// exe link for a process it does not print, and the stat line, the exe
// path and its own config dir only for those it prints. This is what makes the list cheap on a
// machine with thousands of processes; a change that reads more per
// process fails here rather than only in the benchmark.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <regex>

#include "support/go_list.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

bool have_strace() { return run({"sh", "-c", "command -v strace"}).exit_code == 0; }

// For each PID, the system calls that named one of its /proc files, as
// "CALL NAME" ("statx exe", "openat stat", ...).
std::map<int, std::vector<std::string>> proc_calls(const std::string& trace) {
  std::map<int, std::vector<std::string>> calls;
  // strace -f lines: "PID CALL(ARGS) = RESULT"; paths relative to the /proc
  // descriptor ("123/exe") or absolute ("/proc/123/stat").
  static const std::regex call(R"(^\d+\s+(\w+)\(.*?"(?:/proc/)?(\d+)/(\w+)\")");
  for (const auto& line : split_lines(trace)) {
    std::smatch m;
    if (std::regex_search(line, m, call)) calls[std::stoi(m[2])].push_back(m[1].str() + " " + m[3].str());
  }
  return calls;
}

TEST(ListSyscalls, OneStatxForAProcessItDoesNotPrintAndAFewForOneItDoes) {
  if (!have_strace()) GTEST_SKIP() << "strace not installed (scripts/setup.sh installs it)";
  TempDir config;
  const Env env = {{"GOPS_CONFIG_DIR", config.path()}};
  std::vector<Child> sleepers, gos;
  for (int i = 0; i < 20; ++i) sleepers.push_back(Child::spawn({"sleep", "1000"}));
  for (int i = 0; i < 2; ++i) {
    gos.push_back(Child::spawn({go_bin("listed")}, env));
    ASSERT_TRUE(gos.back().wait_for_output("ready\n"));
  }
  for (const auto& s : sleepers) {
    ASSERT_TRUE(eventually([&] { return read_file("/proc/" + std::to_string(s.pid()) + "/comm") == "sleep\n"; }));
  }
  TempDir out;
  const std::string trace_file = out.path() + "/trace";
  // LeakSanitizer cannot run under ptrace (the ASan build's gops).
  const char* asan = std::getenv("ASAN_OPTIONS");
  Env traced = env;
  traced["ASAN_OPTIONS"] = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "detect_leaks=0";
  auto r = run({"strace", "-f", "-qq", "-e", "trace=%file,readlink", "-o", trace_file, gops_cli()}, traced);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& g : gos) EXPECT_NE(row_of(r.out, g.pid()), "") << r.out;
  const auto calls = proc_calls(read_file(trace_file));

  // A sleeper: the statx that tells its executable, nothing else, except
  // for the one process that is the first to run `sleep`: its exe is opened
  // once to see that the binary is not Go.
  int opened = 0;
  for (const auto& s : sleepers) {
    auto it = calls.find(s.pid());
    ASSERT_NE(it, calls.end()) << "PID " << s.pid() << " never looked at";
    std::vector<std::string> seen = it->second;
    if (seen.size() == 2 && seen[1] == "openat exe") {
      ++opened;
      seen.pop_back();
    }
    EXPECT_EQ(seen, std::vector<std::string>{"statx exe"}) << "PID " << s.pid();
  }
  EXPECT_LE(opened, 1);
  // A printed Go process: the same statx; its environment and its root,
  // where its own config dir is looked in (client/port_lookup.hpp: its
  // status only if a port file is there); then its stat line and the path
  // of its executable (its name is short: no command line needed).
  for (const auto& g : gos) {
    auto it = calls.find(g.pid());
    ASSERT_NE(it, calls.end());
    std::vector<std::string> seen = it->second;
    std::erase(seen, "openat exe");  // the first Go process: its binary is read
    EXPECT_EQ(seen, (std::vector<std::string>{"statx exe", "openat environ", "openat root", "openat stat", "readlink exe"}))
        << "PID " << g.pid();
  }
}

}  // namespace
}  // namespace gops::test
