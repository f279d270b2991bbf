// A Go client shaped exactly like the Go gops CLI's (tests/peers/go/goclient)
// against agent_host: every command byte the Go CLI sends gets a real answer.
#include <gtest/gtest.h>

#include <string>

#include "support/host_process.hpp"
#include "support/raw_client.hpp"

namespace gops::test {
namespace {

RunResult go_client(const HostProcess& host, const std::vector<std::string>& args) {
  std::vector<std::string> argv{go_bin("goclient"), "127.0.0.1:" + std::to_string(host.port())};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, std::chrono::seconds(60));
}

TEST(AgentGoClient, EveryGoCommandIsAnswered) {
  HostProcess host({"--version", "go-client-host 1"});
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const Case cases[] = {
      {{"stack"}, "gops_test_sleeper_loop\n\t"},
      {{"gc"}, "ok"},
      {{"memstats"}, "allocator: "},
      {{"version"}, "program: go-client-host 1\n"},
      {{"stats"}, "OS threads: "},
      {{"setgc", "-1"}, "GC percent -1 not applied"},
      {{"setgc", "250"}, "GC percent 250 not applied"},
      {{"pprof-heap"}, "pprof-heap needs the heap sampler: link gops::heap_sampler into the program"},
      {{"trace"}, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":["},  // Trace Event JSON, for Perfetto
  };
  for (const Case& c : cases) {
    RunResult r = go_client(host, c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args[0] << ":\n" << r.out;
  }
  RunResult gc = go_client(host, {"gc"});
  EXPECT_EQ(gc.out, "ok") << "exactly the Go agent's reply";
}

TEST(AgentGoClient, BinaryMatchesTheExecutable) {
  HostProcess host;
  RunResult r = go_client(host, {"binary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == read_file(agent_host_path())) << r.out.size() << " bytes";
}

}  // namespace
}  // namespace gops::test
