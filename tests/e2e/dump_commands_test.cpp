// pprof-cpu, pprof-heap and trace of the real gops binary against the Go
// test agent; the files are checked with the Go toolchain itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>

#include "e2e/agent_peer.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace fs = std::filesystem;

// Short runs through agentpeer's test-only switches; the client still
// believes the Go agent's 30 s / 5 s.
const Env kShort = {{"AGENTPEER_CPU_SECONDS", "2"}, {"AGENTPEER_TRACE_SECONDS", "1"}};

class DumpCommands : public ::testing::Test {
 protected:
  Env env(Env extra = {}) {
    extra.emplace("GOPS_CONFIG_DIR", peer_.config_dir());
    return extra;
  }
  std::string out_path(const std::string& name) { return out_.path() + "/" + name; }
  AgentPeer peer_{kShort};
  TempDir out_;
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

unsigned umask_now() {
  mode_t m = umask(0);
  umask(m);
  return m;
}

TEST_F(DumpCommands, PprofCpuWritesAProfileWithTheHotFunction) {
  auto file = out_path("cpu.pb.gz");
  auto r = gops({"pprof-cpu", peer_.pid_text(), "-o", file}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Profiling CPU now, will take 30 secs...\nProfile dump saved to: " + file + "\n");
  EXPECT_EQ(mode_of(file), 0666 & ~umask_now());
  auto top = go({"tool", "pprof", "-top", file});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("Type: cpu"));
  EXPECT_THAT(top.out, HasSubstr("main.spinForCPUProfile"));
}

TEST_F(DumpCommands, PprofHeapWritesAProfileWithTheRetainingFunction) {
  auto file = out_path("heap.pb.gz");
  auto r = gops({"pprof-heap", peer_.pid_text(), "--output", file}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Profile dump saved to: " + file + "\n");
  auto top = go({"tool", "pprof", "-top", file});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("Type: inuse_space"));
  EXPECT_THAT(top.out, HasSubstr("main.retainForHeapProfile"));
}

TEST_F(DumpCommands, TraceIsAcceptedByGoToolTrace) {
  auto file = out_path("trace.out");
  auto r = gops({"trace", peer_.pid_text(), "-o", file}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Tracing now, will take 5 secs...\nTrace dump saved to: " + file + "\n");
  auto sched = go({"tool", "trace", "-pprof=sched", file});
  EXPECT_EQ(sched.exit_code, 0) << sched.err;
  EXPECT_FALSE(sched.out.empty());
}

TEST_F(DumpCommands, OutputReplacesAnOldFileOnlyWhenComplete) {
  auto file = out_path("keep.pb.gz");
  write_file(file, "old");
  // Refused before anything is written: the old file stays, no leftovers.
  auto r = gops({"pprof-heap", "127.0.0.1:1", "-o", file});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(read_file(file), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(out_.path()), fs::directory_iterator{}), 1);
  r = gops({"pprof-heap", peer_.pid_text(), "-o", file}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(file), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(out_.path()), fs::directory_iterator{}), 1);
}

TEST_F(DumpCommands, WithoutGoOnPathTheTemporaryFileIsKeptAndNamed) {
  auto r = gops({"pprof-heap", peer_.pid_text()}, env({{"PATH", "/nonexistent"}, {"TMPDIR", out_.path()}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string prefix = "Profile dump saved to: " + out_.path() + "/heap_profile";
  ASSERT_THAT(r.out, StartsWith(prefix));
  std::string path = r.out.substr(std::string("Profile dump saved to: ").size());
  path.pop_back();  // newline
  EXPECT_EQ(mode_of(path), 0600u);
  auto top = go({"tool", "pprof", "-top", path});
  EXPECT_THAT(top.out, HasSubstr("main.retainForHeapProfile"));
}

TEST_F(DumpCommands, WithGoOnPathTheBinaryIsFetchedAndPprofRunsThenFilesAreRemoved) {
  // stdin is /dev/null: pprof's interactive mode reads EOF and quits.
  auto r = gops({"pprof-heap", peer_.pid_text()}, env({{"TMPDIR", out_.path()}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  EXPECT_THAT(lines[0], StartsWith("Profile dump saved to: " + out_.path() + "/heap_profile"));
  EXPECT_THAT(lines[1], StartsWith("Binary file saved to: " + out_.path() + "/binary"));
  EXPECT_THAT(r.err, HasSubstr("Type: inuse_space"));  // go tool pprof's header
  EXPECT_THAT(r.err, HasSubstr("Entering interactive mode"));
  EXPECT_EQ(std::distance(fs::directory_iterator(out_.path()), fs::directory_iterator{}), 0);
}

TEST_F(DumpCommands, SecondsOtherThanTheGoLengthIsRefusedByAGoAgent) {
  auto file = out_path("cpu.pb.gz");
  auto r = gops({"pprof-cpu", peer_.pid_text(), "--seconds", "2", "-o", file}, env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("runs pprof-cpu for a fixed 30 s"));
  EXPECT_THAT(r.err, HasSubstr("drop --seconds or use --seconds 30"));
  EXPECT_EQ(r.out, "");  // refused before announcing the wait
  EXPECT_FALSE(fs::exists(file));
  r = gops({"trace", peer_.pid_text(), "--seconds", "1", "-o", file}, env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("runs trace for a fixed 5 s"));
  // The describe byte went to the agent, which closed as a Go agent does
  // and still answers the next command.
  EXPECT_EQ(gops({"version", peer_.pid_text()}, env()).exit_code, 0);
}

TEST(DumpCommandsExtensions, SecondsUsesTheExtensionBytesWhenTheAgentOffersThem) {
  // Without the extension this agent would profile for 30 s.
  AgentPeer peer(Env{{"AGENTPEER_EXTENSIONS", "1"}});
  TempDir out;
  Env env{{"GOPS_CONFIG_DIR", peer.config_dir()}};
  auto start = std::chrono::steady_clock::now();
  auto r = gops({"pprof-cpu", peer.pid_text(), "--seconds", "1500ms", "-o", out.path() + "/cpu"}, env);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("Profiling CPU now, will take 1.5 secs...\n"));
  EXPECT_LT(took, 10s);
  EXPECT_GE(took, 1500ms);
  auto top = go({"tool", "pprof", "-top", out.path() + "/cpu"});
  // pprof's "Duration: 1.61s" spans start to stop, a little over the request.
  EXPECT_THAT(top.out, ::testing::ContainsRegex("Duration: (1\\.[5-9]|2\\.[0-9])[0-9]*s"));
  r = gops({"trace", peer.pid_text(), "--seconds", "1", "-o", out.path() + "/trace"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(go({"tool", "trace", "-pprof=sched", out.path() + "/trace"}).exit_code, 0);
}

std::size_t entries(const std::string& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

TEST_F(DumpCommands, OutputOntoADeviceWritesIntoItAndLeavesItADevice) {
  // Before, `-o /dev/null` as root renamed a regular file over /dev/null.
  if (geteuid() != 0) GTEST_SKIP() << "needs root for mknod";
  auto null = out_path("null");
  ASSERT_EQ(mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  auto r = gops({"pprof-heap", peer_.pid_text(), "-o", null}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(lstat(null.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(entries(out_.path()), 1u);
}

TEST_F(DumpCommands, DashWritesTheDataToStdoutAndTheMessagesToStderr) {
  auto r = gops({"pprof-heap", peer_.pid_text(), "-o", "-"}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "Profile dump saved to: -\n");
  ASSERT_GE(r.out.size(), 2u);
  EXPECT_EQ(r.out.substr(0, 2), "\x1f\x8b");  // gzip
  write_file(out_path("from-stdout.pb.gz"), r.out);
  auto top = go({"tool", "pprof", "-top", out_path("from-stdout.pb.gz")});
  EXPECT_THAT(top.out, HasSubstr("main.retainForHeapProfile"));
}

TEST_F(DumpCommands, DevStdoutIsStdoutAndTheMessagesKeepOutOfTheData) {
  // stdout here is a file the test reads; through a pipe it is the same.
  for (const char* name : {"/dev/stdout", "/proc/self/fd/1"}) {
    auto r = gops({"pprof-heap", peer_.pid_text(), "-o", name}, env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, std::string("Profile dump saved to: ") + name + "\n");
    EXPECT_EQ(r.out.substr(0, 2), "\x1f\x8b") << name;
  }
  // Through a pipe, nothing but the data goes down the pipe.
  auto file = out_path("piped.pb.gz");
  auto piped = run({"sh", "-c", "\"$0\" pprof-heap \"$1\" -o /dev/stdout | cat >\"$2\"", gops_cli(),
                    peer_.pid_text(), file},
                   env());
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err, "Profile dump saved to: /dev/stdout\n");
  std::string data = read_file(file);
  EXPECT_EQ(data.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(data.find("Profile dump saved"), std::string::npos);
  EXPECT_THAT(go({"tool", "pprof", "-top", file}).out, HasSubstr("main.retainForHeapProfile"));
}

TEST_F(DumpCommands, AReplyLargerThanTheCapStopsAndKeepsNothing) {
  auto file = out_path("capped");
  auto r = gops({"pprof-heap", peer_.pid_text(), "--max-size", "100", "-o", file}, env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: the reply is larger than 100 bytes (see --max-size); stopped\n");
  EXPECT_EQ(entries(out_.path()), 0u);
}

TEST(DumpCommandsStopped, APeerThatStopsSendingLeavesNoPartialFile) {
  TcpPeer stalled(TcpPeer::Mode::kStall, std::string(1000, 'x'));
  TempDir out;
  auto r = gops({"pprof-heap", "127.0.0.1:" + std::to_string(stalled.port()), "--timeout", "300ms", "-o",
                 out.path() + "/heap"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("sent nothing more within 300ms"));
  EXPECT_EQ(entries(out.path()), 0u);
}

// SIGINT or SIGTERM while the reply is awaited: no partial file is left.
class InterruptedDump : public ::testing::TestWithParam<int> {};

TEST_P(InterruptedDump, LeavesNoPartialFile) {
  AgentPeer peer(Env{{"AGENTPEER_CPU_SECONDS", "60"}});
  TempDir out;
  auto cli = Child::spawn({gops_cli(), "pprof-cpu", peer.pid_text(), "-o", out.path() + "/cpu.pb.gz"},
                          {{"GOPS_CONFIG_DIR", peer.config_dir()}});
  // The state under test: the partial file exists and the command waits.
  ASSERT_TRUE(cli.wait_for_output("Profiling CPU now"));
  ASSERT_EQ(entries(out.path()), 1u);
  cli.kill(GetParam());
  EXPECT_EQ(cli.wait(), -1);  // ended by the signal, as before
  EXPECT_EQ(entries(out.path()), 0u);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedDump, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& p) { return std::string(p.param == SIGINT ? "SIGINT" : "SIGTERM"); });

}  // namespace
}  // namespace gops::test
