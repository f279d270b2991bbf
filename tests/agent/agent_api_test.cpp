// The agent in this test process, driven over real loopback sockets.
#include <gops/agent.hpp>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "support/built_by.hpp"
#include "support/in_process_agent.hpp"
#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

class AgentApi : public InProcessAgent {
 protected:
  void configure(agent::Options& options) override {
    options.config_dir = dir_.path() + "/sub/gops";
    options.program_version = "api-test 7.1";
  }

  std::string port_file() const { return options_.config_dir + "/" + std::to_string(::getpid()); }
};

TEST_F(AgentApi, PortFileIsPrivateAndHoldsThePort) {
  struct stat st{};
  ASSERT_EQ(::stat(port_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(port_file()), std::to_string(port_));
  ASSERT_EQ(::stat(options_.config_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_.path() + "/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "missing parents are created private too";
}

TEST_F(AgentApi, ListenTwiceFailsAndCloseRemovesPortFileAndPort) {
  auto again = agent::listen(options_);
  EXPECT_FALSE(again.ok);
  EXPECT_NE(again.error.find("already listening"), std::string::npos) << again.error;
  agent::close();
  EXPECT_NE(::access(port_file().c_str(), F_OK), 0);
  EXPECT_LT(raw_connect(port_), 0) << "the listener is closed";
  agent::close();  // harmless twice
  auto r = agent::listen(options_);
  ASSERT_TRUE(r.ok) << "listen works again after close: " << r.error;
  EXPECT_EQ(read_file(port_file()), std::to_string(r.port));
  port_ = r.port;
  EXPECT_EQ(ask("\x02"), "ok");
}

TEST_F(AgentApi, VersionNamesToolchainAndProgram) {
  std::string v = ask("\x04");
  EXPECT_NE(v.find(compiler_line()), std::string::npos) << v;
  EXPECT_NE(v.find("C++ standard library: libstdc++ "), std::string::npos) << v;
  EXPECT_NE(v.find("C++ standard: C++20"), std::string::npos) << v;
  EXPECT_NE(v.find("program: api-test 7.1\n"), std::string::npos) << v;
}

TEST_F(AgentApi, DescribeIsOneJsonLine) {
  std::string d = ask("\x40");
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.find('\n'), d.size() - 1) << d;
  EXPECT_EQ(d.rfind("{\"agent\":\"gops-cpp\",", 0), 0u) << d;
  EXPECT_NE(d.find("\"program_version\":\"api-test 7.1\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"stack\""), std::string::npos) << d;
}

TEST_F(AgentApi, SetGcReadsTheVarintAndExplains) {
  // -1 as Go's binary.PutVarint writes it: zig-zag 1.
  std::string r = ask(std::string("\x10\x01", 2));
  EXPECT_EQ(r.rfind("A C++ process has no garbage collector: GC percent -1 not applied", 0), 0u) << r;
  r = ask(std::string("\x10\xc8\x01", 3));  // 100
  EXPECT_NE(r.find("GC percent 100 not applied"), std::string::npos) << r;
}

TEST_F(AgentApi, UnknownByteIsClosedWithoutReply) {
  RawReply r = raw_request(port_, "\x77");
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.bytes, "");
}

TEST_F(AgentApi, HeapProfileWithoutTheSamplerSaysHowToEnableIt) {
  std::string r = ask("\x05");
  EXPECT_EQ(r.rfind("gops agent (C++): pprof-heap needs the heap sampler: link gops::heap_sampler", 0), 0u) << r;
  EXPECT_NE(r.find("LD_PRELOAD=/path/to/libgops_heap_sampler.so\n"), std::string::npos) << r;
  EXPECT_EQ(r.find('\n'), r.size() - 1) << r;
}

TEST_F(AgentApi, TraceOfNoTimeIsRefusedInOneLine) {
  std::string r = ask(std::string("\x42\x00", 2));  // trace-for 0 ms
  EXPECT_EQ(r, "gops agent (C++): trace refused: the duration must be more than 0 and at most 10 min, not 0 ms\n");
}

TEST_F(AgentApi, TraceForAShortTimeIsTraceEventJson) {
  std::string r = ask(std::string("\x42\xc8\x01", 3));  // trace-for 200 ms
  EXPECT_EQ(r.rfind("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", 0), 0u) << r;
  EXPECT_NE(r.find("\"name\":\"gops agent: sampling every thread\""), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 3), "}}\n") << r;
}

TEST_F(AgentApi, StatsCountsThreadsAndConnections) {
  ask("\x04");
  std::string s = ask("\x07");
  int threads = 0;
  for (const auto& line : split_lines(s))
    if (line.rfind("OS threads: ", 0) == 0) threads = std::stoi(line.substr(12));
  // This test's main thread + the agent's listener and workers (+ a
  // sanitizer's own thread, if any): as many as the kernel counts.
  EXPECT_GE(threads, 1 + 1 + options_.max_concurrent) << s;
  std::string status = read_file("/proc/self/status");
  EXPECT_EQ(threads, std::stoi(status.substr(status.find("Threads:") + 8))) << s;
  EXPECT_NE(s.find("agent connections served: 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("num CPU: "), std::string::npos) << s;
  EXPECT_NE(s.find("open fds: "), std::string::npos) << s;
}

TEST_F(AgentApi, MemstatsHasAllocatorAndProcessLines) {
  std::string m = ask("\x03");
  EXPECT_EQ(m.rfind("allocator: ", 0), 0u) << m;
  EXPECT_NE(m.find("\nresident: "), std::string::npos) << m;
  EXPECT_NE(m.find("\nvirtual: "), std::string::npos) << m;
  EXPECT_NE(m.find("heap-in-use: "), std::string::npos) << m;
}

TEST_F(AgentApi, BinaryDumpIsThisExecutable) {
  RawReply r = raw_request(port_, "\x09");
  ASSERT_TRUE(r.eof);
  EXPECT_EQ(r.bytes, read_file("/proc/self/exe"));
}

TEST(AgentOptions, BadAddressesAreRefusedWithOneLine) {
  TempDir dir;
  agent::Options o;
  o.config_dir = dir.path();
  for (const char* bad : {"nonsense", "127.0.0.1:99999", "example.com:80", "127.0.0.1:"}) {
    o.address = bad;
    auto r = agent::listen(o);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  }
  o.address = "0.0.0.0:0";
  auto r = agent::listen(o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("allow_non_loopback"), std::string::npos) << r.error;
  o.address = "[::1]:0";
  r = agent::listen(o);
  if (r.ok) {
    agent::close();
  } else {
    EXPECT_NE(r.error.find("listen on"), std::string::npos) << "only a host without IPv6 may fail: " << r.error;
  }
}

// The HTTP endpoint's address is checked as the gops port's; when it cannot
// be opened, listen() fails whole: no gops port left open, no port file,
// and the next listen() may start.
TEST(AgentOptions, HttpAddressFromTheOptionOrTheEnvironment) {
  TempDir dir;
  auto open_fds = [] {
    auto entries = std::filesystem::directory_iterator("/proc/self/fd");
    return std::distance(begin(entries), end(entries));
  };
  int fds_before = open_fds();
  agent::Options o;
  o.config_dir = dir.path();
  for (const char* bad : {"0.0.0.0:0", "nonsense", "127.0.0.1:99999"}) {
    o.http_address = bad;
    auto r = agent::listen(o);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_TRUE(r.error.starts_with("HTTP endpoint: ")) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  }
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  o.http_address = "127.0.0.1:0";
  auto r = agent::listen(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.http_port, 0);
  EXPECT_NE(r.http_port, r.port);
  agent::close();

  // Empty option: $GOPS_HTTP_ADDRESS; neither: no endpoint.
  o.http_address.clear();
  ::setenv("GOPS_HTTP_ADDRESS", "127.0.0.1:0", 1);
  r = agent::listen(o);
  ::unsetenv("GOPS_HTTP_ADDRESS");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.http_port, 0);
  agent::close();
  r = agent::listen(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.http_port, 0);
  agent::close();
}

TEST(AgentOptions, ForbiddenConfigDirStillServesByAddressAndSaysSo) {
  // As the Go agent: a port file that cannot be written (EPERM, EROFS) is
  // skipped, and the agent serves by address. sysfs refuses mkdir with
  // EPERM even to root.
  agent::Options o;
  o.config_dir = "/sys/gops-cannot-exist";
  auto r = agent::listen(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.warning, "no port file (cannot create port file dir /sys/gops-cannot-exist: operation not permitted): "
                       "`gops PID` will not find this agent; name it as 127.0.0.1:" + std::to_string(r.port));
  EXPECT_EQ(raw_request(r.port, "\x02").bytes, "ok");
  agent::close();
}

bool is_regular(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Whatever was planted at CONFIG_DIR/PID is replaced by a new file, never
// opened, truncated or chmodded through.
class PlantedPortFilePath : public ::testing::Test {
 protected:
  void TearDown() override { agent::close(); }
  agent::ListenResult listen() {
    agent::Options o;
    o.config_dir = dir_.path();
    auto r = agent::listen(o);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.warning, "");
    return r;
  }
  // The agent's port file, and that it is one.
  void expect_port_file(const agent::ListenResult& r) {
    EXPECT_TRUE(is_regular(path_));
    EXPECT_EQ(read_file(path_), std::to_string(r.port));
    struct stat st{};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  void expect_victim_untouched() {
    EXPECT_EQ(read_file(victim_), "precious");
    struct stat st{};
    ASSERT_EQ(::stat(victim_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
  }
  void make_victim() {
    write_file(victim_, "precious");
    ASSERT_EQ(::chmod(victim_.c_str(), 0644), 0);
  }

  TempDir dir_, elsewhere_;
  std::string path_ = dir_.path() + "/" + std::to_string(::getpid());
  std::string victim_ = elsewhere_.path() + "/victim";
};

TEST_F(PlantedPortFilePath, AFifoDoesNotBlockListen) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  auto pending = std::async(std::launch::async, [this] { return listen(); });
  if (pending.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    int reader = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK);  // lets the stuck open() go
    pending.wait();
    ::close(reader);
    FAIL() << "listen() blocked on a FIFO at the port file path";
  }
  expect_port_file(pending.get());
}

TEST_F(PlantedPortFilePath, AHardLinkToSomeonesFileIsNotWrittenThrough) {
  make_victim();
  ASSERT_EQ(::link(victim_.c_str(), path_.c_str()), 0);
  auto r = listen();
  expect_port_file(r);
  expect_victim_untouched();
}

TEST_F(PlantedPortFilePath, ASymlinkIsReplacedNotFollowed) {
  make_victim();
  ASSERT_EQ(::symlink(victim_.c_str(), path_.c_str()), 0);
  auto r = listen();
  expect_port_file(r);
  expect_victim_untouched();
  agent::close();
  EXPECT_NE(::access(path_.c_str(), F_OK), 0) << "removed on close";
  expect_victim_untouched();
}

TEST_F(PlantedPortFilePath, SomethingPutThereLaterIsNotRemovedOnClose) {
  auto r = listen();
  expect_port_file(r);
  // Another file took the name meanwhile: close() leaves it alone.
  write_file(dir_.path() + "/other", "not ours");
  ASSERT_EQ(::rename((dir_.path() + "/other").c_str(), path_.c_str()), 0);
  agent::close();
  EXPECT_EQ(read_file(path_), "not ours");
}

// `env -i prog`: no GOPS_CONFIG_DIR, XDG_CONFIG_HOME or HOME. As the Go
// agent, ours takes the home dir from the password database.
TEST(AgentOptions, WithoutHomeTheUsersHomeDirFromThePasswordDatabaseIsUsed) {
  struct passwd* pw = ::getpwuid(::geteuid());
  ASSERT_NE(pw, nullptr);
  const std::string home = pw->pw_dir;
  const std::string config = home + "/.config", dir = config + "/gops";
  const bool had_config = ::access(config.c_str(), F_OK) == 0, had_dir = ::access(dir.c_str(), F_OK) == 0;
  std::vector<std::pair<std::string, std::string>> saved;
  for (const char* name : {"GOPS_CONFIG_DIR", "XDG_CONFIG_HOME", "HOME"}) {
    if (const char* v = std::getenv(name)) saved.emplace_back(name, v);
    ::unsetenv(name);
  }
  auto r = agent::listen();
  for (const auto& [name, value] : saved) ::setenv(name.c_str(), value.c_str(), 1);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string port_file = dir + "/" + std::to_string(::getpid());
  if (r.warning.empty()) {
    EXPECT_EQ(read_file(port_file), std::to_string(r.port));
  } else {
    EXPECT_NE(r.warning.find(home), std::string::npos) << "an unwritable home is said: " << r.warning;
  }
  EXPECT_EQ(raw_request(r.port, "\x02").bytes, "ok");
  agent::close();
  EXPECT_NE(::access(port_file.c_str(), F_OK), 0);
  if (!had_dir) ::rmdir(dir.c_str());  // leave the home as it was
  if (!had_config) ::rmdir(config.c_str());
}

}  // namespace
}  // namespace gops::test
