// The text commands of the real gops binary against the Go test agent:
// stack, memstats, stats, version, gc, setgc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <regex>

#include "e2e/agent_peer.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AgentCommands : public ::testing::Test {
 protected:
  RunResult cli(std::vector<std::string> args) {
    args.push_back(peer_.pid_text());
    return gops(args, {{"GOPS_CONFIG_DIR", peer_.config_dir()}});
  }
  AgentPeer peer_;
};

std::vector<std::pair<std::string, std::string>> key_values(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& line : split_lines(text)) {
    auto colon = line.find(": ");
    out.emplace_back(line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 2));
  }
  return out;
}

std::uint64_t bytes_of(const std::string& value) {
  // "N bytes" or "12.34MB (N bytes)"
  std::smatch m;
  static const std::regex kSize(R"(^(\d+) bytes$|^\d+\.\d\d(KB|MB|GB|TB|PB) \((\d+) bytes\)$)");
  if (!std::regex_match(value, m, kSize)) return UINT64_MAX;
  return std::stoull(m[1].matched ? m[1].str() : m[3].str());
}

TEST_F(AgentCommands, StackHasTheGoroutineParkedInAKnownFunction) {
  auto r = cli({"stack"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("goroutine "));
  EXPECT_THAT(r.out, HasSubstr("main.parkedForStackTest()"));
  EXPECT_THAT(r.out, HasSubstr("main.spinForCPUProfile()"));
  EXPECT_EQ(r.err, "");
}

TEST_F(AgentCommands, MemStatsHasEveryKeyOfTheGoAgentWithPlausibleValues) {
  auto r = cli({"memstats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto kv = key_values(r.out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : kv) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre(
                        "alloc", "total-alloc", "sys", "lookups", "mallocs", "frees", "heap-alloc", "heap-sys",
                        "heap-idle", "heap-in-use", "heap-released", "heap-objects", "stack-in-use", "stack-sys",
                        "stack-mspan-inuse", "stack-mspan-sys", "stack-mcache-inuse", "stack-mcache-sys",
                        "other-sys", "gc-sys", "next-gc", "last-gc", "gc-pause-total", "gc-pause", "gc-pause-end",
                        "num-gc", "num-forced-gc", "gc-cpu-fraction", "enable-gc", "debug-gc"));
  std::map<std::string, std::string> m(kv.begin(), kv.end());
  // agentpeer keeps 32 MiB alive in retainForHeapProfile.
  EXPECT_GE(bytes_of(m["alloc"]), 32u << 20) << m["alloc"];
  EXPECT_LT(bytes_of(m["alloc"]), 1ull << 32) << m["alloc"];
  EXPECT_GE(bytes_of(m["total-alloc"]), bytes_of(m["alloc"]));
  EXPECT_GE(bytes_of(m["sys"]), bytes_of(m["heap-sys"]));
  EXPECT_GE(bytes_of(m["heap-sys"]), bytes_of(m["heap-in-use"]));
  for (const char* k : {"stack-in-use", "stack-sys", "gc-sys", "other-sys"}) EXPECT_NE(bytes_of(m[k]), UINT64_MAX) << k;
  EXPECT_THAT(m["next-gc"], StartsWith("when heap-alloc >= "));
  EXPECT_GT(std::stoull(m["mallocs"]), std::stoull(m["frees"]));
  EXPECT_GT(std::stoull(m["heap-objects"]), 0u);
  EXPECT_EQ(m["enable-gc"], "true");
  EXPECT_EQ(m["debug-gc"], "false");
  EXPECT_TRUE(std::regex_match(m["gc-pause-total"], std::regex(R"([0-9.]+(ns|µs|ms|s))"))) << m["gc-pause-total"];
}

TEST_F(AgentCommands, StatsHasTheFourLinesOfTheGoAgent) {
  auto r = cli({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto kv = key_values(r.out);
  ASSERT_EQ(kv.size(), 4u) << r.out;
  EXPECT_EQ(kv[0].first, "goroutines");
  EXPECT_EQ(kv[1].first, "OS threads");
  EXPECT_EQ(kv[2].first, "GOMAXPROCS");
  EXPECT_EQ(kv[3].first, "num CPU");
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(peer_.pid(), sizeof set, &set), 0);
  EXPECT_EQ(kv[3].second, std::to_string(CPU_COUNT(&set)));
  EXPECT_EQ(kv[2].second, kv[3].second);  // GOMAXPROCS defaults to the CPU count
  EXPECT_GE(std::stoi(kv[0].second), 3);  // main, parked, spinning
  EXPECT_GE(std::stoi(kv[1].second), 2);
}

TEST_F(AgentCommands, VersionIsTheGoVersionTheAgentWasBuiltWith) {
  auto goversion = go({"env", "GOVERSION"});
  ASSERT_EQ(goversion.exit_code, 0);
  auto r = cli({"version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, goversion.out);
  EXPECT_THAT(r.out, StartsWith("go1."));
}

TEST_F(AgentCommands, GcPrintsNothingAndRunsACollection) {
  auto forced = [&] {
    for (const auto& [k, v] : key_values(cli({"memstats"}).out))
      if (k == "num-forced-gc") return std::stoi(v);
    return -1;
  };
  int before = forced();
  ASSERT_GE(before, 0);
  auto r = cli({"gc"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(forced(), before + 1);
}

TEST_F(AgentCommands, SetGcRoundTripsThePercentageAndOff) {
  auto env = Env{{"GOPS_CONFIG_DIR", peer_.config_dir()}};
  auto r = gops({"setgc", peer_.pid_text(), "10"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "New GC percent set to 10. Previous value was 100.\n");
  r = gops({"setgc", peer_.pid_text(), "oFf"}, env);
  EXPECT_EQ(r.out, "New GC percent set to -1. Previous value was 10.\n");
  r = gops({"setgc", peer_.pid_text(), "-300"}, env);  // a multi-byte zig-zag varint
  EXPECT_EQ(r.out, "New GC percent set to -300. Previous value was -1.\n");
  // The Go runtime stores any negative percentage as -1 ("off").
  r = gops({"setgc", peer_.pid_text(), "+100"}, env);
  EXPECT_EQ(r.out, "New GC percent set to 100. Previous value was -1.\n");
}

TEST_F(AgentCommands, SetGcRejectsWhatGoParseIntRejects) {
  auto env = Env{{"GOPS_CONFIG_DIR", peer_.config_dir()}};
  auto r = gops({"setgc", peer_.pid_text(), "ten"}, env);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err, "gops: strconv.ParseInt: parsing \"ten\": invalid syntax\n");
  r = gops({"setgc", peer_.pid_text(), "99999999999999999999"}, env);
  EXPECT_EQ(r.err, "gops: strconv.ParseInt: parsing \"99999999999999999999\": value out of range\n");
  r = gops({"setgc", peer_.pid_text()}, env);
  EXPECT_EQ(r.err, "gops: missing gc percentage\n");
  // Nothing reached the agent: the percentage is still the default.
  r = gops({"setgc", peer_.pid_text(), "100"}, env);
  EXPECT_EQ(r.out, "New GC percent set to 100. Previous value was 100.\n");
}

TEST_F(AgentCommands, RemoteAddressFormsReachTheSameAgent) {
  for (std::string target : {"127.0.0.1:", "localhost:", ":"}) {
    auto r = gops({"version", target + std::to_string(peer_.port())});
    EXPECT_EQ(r.exit_code, 0) << target << ": " << r.err;
    EXPECT_THAT(r.out, StartsWith("go1.")) << target;
  }
}

TEST(AgentCommandsV6, BracketedIpv6AddressAndPidOfAnIpv6Agent) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  AgentPeer peer(Env{{"AGENTPEER_ADDR", "[::1]:0"}});
  auto r = gops({"version", "[::1]:" + std::to_string(peer.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("go1."));
  // By PID: the owner check finds the listener on ::1 and dials it there.
  r = gops({"version", peer.pid_text()}, {{"GOPS_CONFIG_DIR", peer.config_dir()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("go1."));
}

TEST(AgentCommandsWildcard, PidOfAnAgentListeningOnAllAddresses) {
  AgentPeer peer(Env{{"AGENTPEER_ADDR", "0.0.0.0:0"}});
  auto r = gops({"stats", peer.pid_text()}, {{"GOPS_CONFIG_DIR", peer.config_dir()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("goroutines: "));
}

TEST_F(AgentCommands, AWriteErrorOnStdoutIsAnError) {
  auto r = run({"sh", "-c", "exec \"$0\" \"$@\" >/dev/full", gops_cli(), "stats", peer_.pid_text()},
               {{"GOPS_CONFIG_DIR", peer_.config_dir()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: write to stdout: no space left on device\n");
}

}  // namespace
}  // namespace gops::test
