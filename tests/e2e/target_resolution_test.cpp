// How the real gops binary finds a PID's agent, and that a port file that
// does not lead to that PID's listener gets an error with nothing sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "e2e/agent_peer.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string resolve_error(const std::string& pid) {
  return "gops: couldn't resolve addr or pid " + pid + " to TCPAddress: ";
}

// A live process with no sockets at all (once it has exec'd).
Child sleeper() {
  auto c = Child::spawn({"sleep", "120"});
  if (!wait_until_exec(c.pid(), "sleep")) throw std::runtime_error("sleep did not start");
  return c;
}

TEST(TargetResolution, PortFileInAnotherHomeIsFoundThroughTheTargetsEnvironment) {
  TempDir agent_home, our_home;
  // The agent's config dir comes from its HOME alone.
  AgentPeer peer(Env{{"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}, {"HOME", agent_home.path()}});
  std::string port_file = agent_home.path() + "/.config/gops/" + peer.pid_text();
  ASSERT_TRUE(std::filesystem::exists(port_file));
  Env ours{{"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}, {"HOME", our_home.path()}};
  // Not in our own dir (where the Go gops would look, and fail)...
  EXPECT_FALSE(std::filesystem::exists(our_home.path() + "/.config/gops/" + peer.pid_text()));
  // ...but found.
  auto r = gops({"stats", peer.pid_text()}, ours);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("goroutines: "));
}

TEST(TargetResolution, TargetsXdgConfigHomeAndGopsConfigDirAreUsedToo) {
  TempDir xdg, our_home;
  AgentPeer peer(Env{{"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", xdg.path()}});
  ASSERT_TRUE(std::filesystem::exists(xdg.path() + "/gops/" + peer.pid_text()));
  Env ours{{"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}, {"HOME", our_home.path()}};
  EXPECT_EQ(gops({"version", peer.pid_text()}, ours).exit_code, 0);

  AgentPeer other;  // GOPS_CONFIG_DIR = its own temp dir
  EXPECT_EQ(gops({"version", other.pid_text()}, ours).exit_code, 0);
}

// (`stack` of such a process is read without an agent: native_stack_test.)
TEST(TargetResolution, NoPortFileGivesTheGoGopsError) {
  TempDir dir;
  auto target = sleeper();
  auto pid = std::to_string(target.pid());
  auto r = gops({"stats", pid}, {{"GOPS_CONFIG_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, resolve_error(pid) + "couldn't get port for PID " + pid + ": open " + dir.path() + "/" + pid +
                       ": no such file or directory\n");
  EXPECT_EQ(r.out, "");
}

TEST(TargetResolution, StalePortFileOfADeadPidSendsNothing) {
  TempDir dir;
  TcpPeer recorder(TcpPeer::Mode::kRecord);
  auto dead = sleeper();
  auto pid = std::to_string(dead.pid());
  dead.kill(SIGKILL);
  ASSERT_TRUE(dead.wait().has_value());
  write_file(dir.path() + "/" + pid, std::to_string(recorder.port()));
  auto r = gops({"stats", pid}, {{"GOPS_CONFIG_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith(resolve_error(pid)));
  EXPECT_THAT(r.err, HasSubstr("is stale: no process with PID " + pid));
  EXPECT_EQ(recorder.connections(), 0);
  EXPECT_EQ(recorder.received(), "");
}

TEST(TargetResolution, PortHeldByAnotherProcessSendsNothing) {
  TempDir dir;
  TcpPeer recorder(TcpPeer::Mode::kRecord);  // owned by this test process
  auto target = sleeper();
  auto pid = std::to_string(target.pid());
  write_file(dir.path() + "/" + pid, std::to_string(recorder.port()));
  auto r = gops({"setgc", pid, "10"}, {{"GOPS_CONFIG_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith(resolve_error(pid)));
  EXPECT_THAT(r.err, HasSubstr("port " + std::to_string(recorder.port()) + " from " + dir.path() + "/" + pid +
                               " is held by another process, not PID " + pid));
  // The recorder proves it: no connection, no byte.
  EXPECT_EQ(recorder.connections(), 0);
  EXPECT_EQ(recorder.received(), "");
  // Sanity check of the recorder itself: a direct address does reach it.
  gops({"setgc", "127.0.0.1:" + std::to_string(recorder.port()), "10"}, {}, 10s);
  EXPECT_EQ(recorder.connections(), 1);
  EXPECT_EQ(recorder.received(), std::string("\x10\x14", 2));  // setgc, zig-zag 10
}

TEST(TargetResolution, ReusedPidWhosePortFileNamesAnotherAgentsPort) {
  // Agent A's PID, but the port of agent B: A does not hold it.
  AgentPeer a, b;
  write_file(a.config_dir() + "/" + a.pid_text(), std::to_string(b.port()));
  auto r = gops({"version", a.pid_text()}, {{"GOPS_CONFIG_DIR", a.config_dir()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is held by another process, not PID " + a.pid_text()));
}

TEST(TargetResolution, PortNobodyListensOnSendsNothing) {
  TempDir dir;
  auto target = sleeper();
  auto pid = std::to_string(target.pid());
  write_file(dir.path() + "/" + pid, std::to_string(unused_port()));
  auto r = gops({"version", pid}, {{"GOPS_CONFIG_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("PID " + pid + " does not listen on port"));
}

TEST(TargetResolution, GarbageInThePortFileIsAClearError) {
  TempDir dir;
  TcpPeer recorder(TcpPeer::Mode::kRecord);
  auto target = sleeper();
  auto pid = std::to_string(target.pid());
  for (const std::string& garbage : std::vector<std::string>{"garbage", "", "70000", std::to_string(recorder.port()) + "x", "\x01\x02\xff"}) {
    write_file(dir.path() + "/" + pid, garbage);
    auto r = gops({"stats", pid}, {{"GOPS_CONFIG_DIR", dir.path()}});
    EXPECT_EQ(r.exit_code, 1) << garbage;
    EXPECT_THAT(r.err, StartsWith(resolve_error(pid) + "couldn't get port for PID " + pid + ": " + dir.path()))
        << garbage;
    EXPECT_THAT(r.err, ::testing::AnyOf(HasSubstr("port file holds no port number"), HasSubstr("port file is empty")));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(recorder.connections(), 0);
}

TEST(TargetResolution, PortFileWithSurroundingWhitespaceIsRead) {
  AgentPeer peer;
  write_file(peer.config_dir() + "/" + peer.pid_text(), "  " + std::to_string(peer.port()) + "\n");
  EXPECT_EQ(gops({"version", peer.pid_text()}, {{"GOPS_CONFIG_DIR", peer.config_dir()}}).exit_code, 0);
}

TEST(TargetResolution, IPv6OnlyWildcardListenerIsDialedOnIPv6NotWhereAnotherProcessListens) {
  // The target listens on [::]:P, IPv6 only; this process holds
  // 127.0.0.1:P. Dialing 127.0.0.1 (as for a 0.0.0.0 listener) would send
  // the command to us, not to the target.
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  AgentPeer peer(Env{{"AGENTPEER_ADDR", "[::]:0"}, {"AGENTPEER_NETWORK", "tcp6"}});
  TcpPeer squatter(TcpPeer::Mode::kRecord, {}, false, peer.port());
  auto r = gops({"stats", peer.pid_text()}, {{"GOPS_CONFIG_DIR", peer.config_dir()}});
  EXPECT_EQ(squatter.connections(), 0);
  EXPECT_EQ(squatter.received(), "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("goroutines: "));
}

TEST(TargetResolution, BadTargets) {
  auto r = gops({"stats"});
  EXPECT_EQ(r.err, "gops: missing PID or address\n");
  r = gops({"stats", "abc"});
  EXPECT_EQ(r.err, resolve_error("abc") + "couldn't parse PID: \"abc\" is not a process ID\n");
  r = gops({"stats", "[::1:80"});
  EXPECT_THAT(r.err, StartsWith(resolve_error("[::1:80") + "couldn't parse dst address: "));
  r = gops({"stats", "no-such-host.invalid:80"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith(resolve_error("no-such-host.invalid:80") + "couldn't parse dst address: "));
}

}  // namespace
}  // namespace gops::test

namespace gops::test {
namespace {

// Root asks about another user's process, whose port file lives in a dir
// that user controls (found through the process's environment). What the
// user plants there must not hang root's gops, leak root's files or reach
// root's terminal.
class PlantedPortFile : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to start a process as another user";
    if (run({"sh", "-c", "command -v setpriv"}).exit_code != 0) GTEST_SKIP() << "setpriv missing";
    chmod(user_dir_.path().c_str(), 0777);
    target_.emplace(Child::spawn({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "120"},
                                 {{"GOPS_CONFIG_DIR", user_dir_.path()}}));
    ASSERT_TRUE(wait_until_exec(target_->pid(), "sleep"));
    pid_ = std::to_string(target_->pid());
    port_file_ = user_dir_.path() + "/" + pid_;
  }
  // gops as root, with a config dir of its own that has no port file.
  RunResult stats() { return gops({"stats", pid_}, {{"GOPS_CONFIG_DIR", root_dir_.path()}}, 20s); }
  void plant(const std::string& contents, uid_t owner = 65534) {
    write_file(port_file_, contents);
    ASSERT_EQ(chown(port_file_.c_str(), owner, owner), 0);
  }

  TempDir user_dir_, root_dir_;
  std::optional<Child> target_;
  std::string pid_, port_file_;
};

TEST_F(PlantedPortFile, AFifoIsRefusedAtOnce) {
  ASSERT_EQ(mkfifo(port_file_.c_str(), 0666), 0);
  auto start = std::chrono::steady_clock::now();
  auto r = stats();
  EXPECT_EQ(r.exit_code, 1);  // -1: it hung until killed
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_THAT(r.err, HasSubstr(port_file_ + " is a named pipe, not a port file; not read"));
}

TEST_F(PlantedPortFile, ASymlinkToARootOnlyFileIsNotFollowed) {
  TempDir secret_dir;
  std::string secret = secret_dir.path() + "/secret";
  write_file(secret, "12 TOP-SECRET");
  chmod(secret.c_str(), 0600);
  ASSERT_EQ(symlink(secret.c_str(), port_file_.c_str()), 0);
  auto r = stats();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(port_file_ + " is a symbolic link, not a port file; not read"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("TOP-SECRET")));
}

TEST_F(PlantedPortFile, EscapeBytesNeverReachTheTerminal) {
  plant("\x1b]0;owned\x07\x1b[2J 12");
  auto r = stats();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
  EXPECT_THAT(r.err, HasSubstr("\\x1b]0;owned\\x07"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(PlantedPortFile, AFileOfAThirdUserOrALargeFileIsNotRead) {
  TcpPeer recorder(TcpPeer::Mode::kRecord);
  plant(std::to_string(recorder.port()), 1234);
  auto r = stats();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(port_file_ + " belongs to uid 1234, neither the process's user nor root; not read"));
  plant(std::string(100000, '1'));
  r = stats();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(port_file_ + " holds 100000 bytes, too many for a port file; not read"));
  EXPECT_EQ(recorder.connections(), 0);
}

TEST(TargetResolutionOtherUser, PortOfAProcessWeCannotInspectIsNotSentBlindly) {
  // As an unprivileged user, root's /proc/PID/fd is closed to us: the owner
  // check cannot run, and gops says so instead of sending.
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start a process as another user";
  if (run({"sh", "-c", "command -v setpriv"}).exit_code != 0) GTEST_SKIP() << "setpriv missing";
  AgentPeer peer;
  chmod(peer.config_dir().c_str(), 0755);
  auto r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", gops_cli(), "stats", peer.pid_text()},
               {{"GOPS_CONFIG_DIR", peer.config_dir()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, ::testing::HasSubstr("cannot check that port " + std::to_string(peer.port()) +
                                          " belongs to PID " + peer.pid_text()));
  EXPECT_THAT(r.err, ::testing::HasSubstr("127.0.0.1:" + std::to_string(peer.port()) + " to skip the check"));
  // Named by address, the same user reaches it.
  r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", gops_cli(), "stats",
           "127.0.0.1:" + std::to_string(peer.port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace gops::test
