// Our gops CLI against agent_host (a C++ program with the agent): the
// commands print what the agent answers, as they do for a Go program.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

#include "support/built_by.hpp"
#include "support/host_process.hpp"

namespace gops::test {
namespace {

RunResult gops(const HostProcess& host, const std::string& command) {
  return run({gops_cli(), command, std::to_string(host.pid())}, {{"GOPS_CONFIG_DIR", host.config_dir() + "/gops"}},
             std::chrono::seconds(60));
}

std::optional<std::uint64_t> bytes_of(const std::string& memstats, const std::string& key) {
  for (const auto& line : split_lines(memstats)) {
    if (line.rfind(key + ": ", 0) != 0) continue;
    auto open = line.find('(');
    return std::stoull(open == std::string::npos ? line.substr(key.size() + 2) : line.substr(open + 1));
  }
  return std::nullopt;
}

TEST(AgentCli, StackShowsKnownFunctionsWithFileAndLine) {
  HostProcess host;
  RunResult r = gops(host, "stack");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"sleeper\" ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gops_test_sleeper_loop\n\t"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gops_test_spinner_loop()\n\t"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tests/peers/cpp/agent_host.cpp:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"masked\" ["), std::string::npos) << r.out;
}

TEST(AgentCli, MemstatsMoveAndGcLowersResident) {
  HostProcess host;
  ASSERT_TRUE(host.command("alloc"));
  RunResult allocated = gops(host, "memstats");
  ASSERT_EQ(allocated.exit_code, 0) << allocated.err;
  ASSERT_TRUE(host.command("free"));
  RunResult freed = gops(host, "memstats");
  auto used_allocated = bytes_of(allocated.out, "heap-in-use"), used_freed = bytes_of(freed.out, "heap-in-use");
  ASSERT_TRUE(used_allocated && used_freed) << allocated.out << freed.out;
  // 100 MiB freed; the agent's own work between the two reads may move the
  // rest by a little (by 117 bytes once under ASan).
  EXPECT_GE(*used_allocated, *used_freed + 99ull * 1024 * 1024) << allocated.out << freed.out;

  RunResult gc = gops(host, "gc");
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  RunResult trimmed = gops(host, "memstats");
  auto resident_freed = bytes_of(freed.out, "resident"), resident_trimmed = bytes_of(trimmed.out, "resident");
  ASSERT_TRUE(resident_freed && resident_trimmed);
  if (freed.out.rfind("allocator: glibc", 0) == 0) {
    EXPECT_LE(*resident_trimmed + 80ull * 1024 * 1024, *resident_freed) << freed.out << trimmed.out;
  }
}

TEST(AgentCli, StatsCountsThreads) {
  HostProcess host({"--threads", "4"});
  RunResult r = gops(host, "stats");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OS threads: " + std::to_string(1 + 3 + 4 + 1 + 4) + "\n"), std::string::npos) << r.out;
}

TEST(AgentCli, VersionShowsToolchainAndProgram) {
  HostProcess host({"--version", "cli-host 9"});
  RunResult r = gops(host, "version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(compiler_line()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("program: cli-host 9"), std::string::npos) << r.out;
}

TEST(AgentCli, ListMarksTheAgentProcess) {
  HostProcess host;
  RunResult r = run({gops_cli()}, {{"GOPS_CONFIG_DIR", host.config_dir() + "/gops"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string pid = std::to_string(host.pid());
  std::string row;
  for (const auto& line : split_lines(r.out))
    if (line.rfind(pid + " ", 0) == 0) row = line;
  auto name = row.find("agent_host");
  ASSERT_NE(name, std::string::npos) << r.out;
  auto marker = row.find_first_not_of(' ', name + 10);
  ASSERT_NE(marker, std::string::npos) << row;
  EXPECT_EQ(row[marker], '*') << "agent marker after the padded name: " << row;
  EXPECT_NE(row.find(toolchain_column()), std::string::npos) << "the toolchain in the version column: " << row;
}

}  // namespace
}  // namespace gops::test
