// CPU profiles of a real C++ program (cpu_profile_host) taken through our
// gops CLI and through a Go client, read by Debian's `go tool pprof`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>
#include <sys/stat.h>

#include <array>
#include <regex>
#include <sstream>

#include <protozero/pbf_reader.hpp>

#include "support/pprof_tool.hpp"
#include "pprof/gzip.hpp"
#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

std::string cpu_host_path() { return GOPS_CPU_PROFILE_HOST; }

// cpu_profile_host as a child, with its own config dir for the port file.
class CpuHost {
 public:
  explicit CpuHost(std::vector<std::string> args = {}, Env env = {})
      : child_(start(std::move(args), std::move(env), dir_.path())) {
    if (!child_.wait_for_output("port=")) throw std::runtime_error("cpu_profile_host did not start");
    eventually([&] { return child_.output().find('\n', child_.output().find("port=")) != std::string::npos; });
    std::string out = child_.output();
    port_ = std::stoi(out.substr(out.find("port=") + 5));
  }
  Env env() const { return {{"GOPS_CONFIG_DIR", dir_.path()}}; }
  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  std::string output() const { return child_.output(); }
  // The last "own sigprof count=N" the host printed, or -1.
  long own_sigprof_count() const {
    std::string out = child_.output();
    auto at = out.rfind("own sigprof count=");
    return at == std::string::npos ? -1 : std::stol(out.substr(at + 18));
  }
  bool wait_for_count(long at_least) const {
    return eventually([&] { return own_sigprof_count() >= at_least; }, std::chrono::seconds(20));
  }
  // "hot_a tid=T lines=L1-L2" -> {T, L1, L2}
  std::array<int, 3> hot(const std::string& name) const {
    std::smatch m;
    std::string out = child_.output();
    if (!std::regex_search(out, m, std::regex(name + " tid=(\\d+) lines=(\\d+)-(\\d+)"))) return {0, 0, 0};
    return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
  }
  bool catches_sigprof() const { return catches_signal(pid(), SIGPROF); }
  // utime + stime of one thread, in clock ticks.
  long cpu_ticks(int tid) const {
    std::string stat = read_file("/proc/" + std::to_string(pid()) + "/task/" + std::to_string(tid) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stol(field);
      if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
  }

 private:
  static Child start(std::vector<std::string> args, Env env, const std::string& dir) {
    args.insert(args.begin(), cpu_host_path());
    env["GOPS_CONFIG_DIR"] = dir;
    return Child::spawn(args, env);
  }
  TempDir dir_;
  Child child_;
  int port_ = 0;
};

// The host's profiles last `ms` instead of the Go CLI's fixed 30 s.
Env profile_ms(int ms) { return {{"GOPS_AGENT_TEST_CPU_PROFILE_MS", std::to_string(ms)}}; }

// Our CLI: gops pprof-cpu -o FILE PID (byte 0x06).
RunResult gops_pprof_cpu(const CpuHost& host, const std::string& file) {
  return run({gops_cli(), "pprof-cpu", "-o", file, std::to_string(host.pid())}, host.env());
}

// flat% of `function` in `go tool pprof -top` output, or -1.
double flat_percent(const std::string& top, const std::string& function) {
  std::smatch m;
  std::regex row("\\s([0-9.]+)%\\s+[0-9.]+%\\s+\\S+\\s+[0-9.]+%\\s+" + function + "\\b");
  return std::regex_search(top, m, row) ? std::stod(m[1]) : -1;
}

TEST(CpuProfile, HotFunctionsGetTheirShareOfCpuWithFileAndLine) {
  CpuHost host({}, profile_ms(2000));
  auto a = host.hot("hot_a");
  auto b = host.hot("hot_b");
  ASSERT_GT(a[0], 0);
  ASSERT_GT(b[0], 0);
  TempDir out;
  std::string file = out.path() + "/cpu.pb.gz";
  // The truth: the threads' CPU time as the kernel counted it while the
  // profiler's SIGPROF handler was in (the window the profile covers).
  Child cli = Child::spawn({gops_cli(), "pprof-cpu", "-o", file, std::to_string(host.pid())}, host.env());
  ASSERT_TRUE(eventually([&] { return host.catches_sigprof(); }, std::chrono::seconds(20)));
  long a0 = host.cpu_ticks(a[0]), b0 = host.cpu_ticks(b[0]);
  ASSERT_TRUE(eventually([&] { return !host.catches_sigprof(); }, std::chrono::seconds(20)));
  long a_ticks = host.cpu_ticks(a[0]) - a0, b_ticks = host.cpu_ticks(b[0]) - b0;
  ASSERT_EQ(cli.wait(std::chrono::seconds(60)), 0);
  EXPECT_NE(cli.output().find("Profiling CPU now, will take 30 secs..."), std::string::npos) << cli.output();
  ASSERT_GT(a_ticks + b_ticks, 0);

  double a_truth = 100.0 * static_cast<double>(a_ticks) / static_cast<double>(a_ticks + b_ticks);
  EXPECT_NEAR(a_truth, 75, 10) << "the host keeps hot_b's thread at a third of hot_a's";
  RunResult top = go_pprof({"-top", "-nodecount=100", file});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NEAR(flat_percent(top.out, "cpu_test_hot_a"), a_truth, 5) << top.out;
  EXPECT_NEAR(flat_percent(top.out, "cpu_test_hot_b"), 100 - a_truth, 5) << top.out;
  EXPECT_NE(top.out.find("Type: cpu"), std::string::npos) << top.out;
  // Every 10 ms of a thread's CPU time is one sample: hot_a's time in the
  // profile is its thread's CPU time (ticks of 10 ms), give or take.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(top.out, m, std::regex("([0-9.]+)(ms|s) +[0-9.]+% +[0-9.]+% +\\S+ +[0-9.]+% +cpu_test_hot_a")))
      << top.out;
  double a_ms = std::stod(m[1]) * (m[2] == "s" ? 1000 : 1);
  EXPECT_NEAR(a_ms, static_cast<double>(a_ticks) * 10, static_cast<double>(a_ticks) * 10 * 0.1 + 50) << top.out;

  // -lines: every row of a hot function is a line inside it.
  RunResult lines = go_pprof({"-top", "-lines", "-nodecount=200", file});
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  for (auto [name, range] : {std::pair{"cpu_test_hot_a", a}, std::pair{"cpu_test_hot_b", b}}) {
    std::regex row(std::string(name) + " \\S*/tests/peers/cpp/cpu_profile_host\\.cpp:(\\d+)");
    int rows = 0;
    for (std::sregex_iterator it(lines.out.begin(), lines.out.end(), row), end; it != end; ++it) {
      int line = std::stoi((*it)[1]);
      EXPECT_GE(line, range[1]) << name;
      EXPECT_LE(line, range[2]) << name;
      ++rows;
    }
    EXPECT_GT(rows, 0) << name << "\n" << lines.out;
  }
}

TEST(CpuProfile, RawHasNoWarningsAndMappingsCarryBuildIds) {
  CpuHost host({}, profile_ms(500));
  TempDir out;
  std::string file = out.path() + "/cpu.pb.gz";
  RunResult r = gops_pprof_cpu(host, file);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  RunResult raw = go_pprof({"-raw", file});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.err, "") << "pprof warned";
  EXPECT_NE(raw.out.find("PeriodType: cpu nanoseconds"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("Period: 10000000"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("samples/count cpu/nanoseconds"), std::string::npos) << raw.out;
  std::string mappings = raw.out.substr(raw.out.find("Mappings"));
  std::string exe = cpu_host_path();
  std::string exe_id = readelf_build_id(exe);
  ASSERT_EQ(exe_id.size(), 40u);
  EXPECT_NE(mappings.find("\n1: "), std::string::npos);
  EXPECT_NE(mappings.find(exe + " " + exe_id + " [FN][FL][LN][IN]"), std::string::npos) << mappings;
  // Threads start in libc (start_thread): its mapping is used, with its ID.
  std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  EXPECT_NE(mappings.find(libc + " " + readelf_build_id(libc) + " [FN][FL][LN][IN]"), std::string::npos)
      << mappings;
}

TEST(CpuProfile, ThreadsStartedDuringTheProfileAreSampled) {
  CpuHost host({"--late-thread-ms", "300"}, profile_ms(1500));
  TempDir out;
  std::string file = out.path() + "/cpu.pb.gz";
  RunResult r = gops_pprof_cpu(host, file);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  RunResult top = go_pprof({"-top", "-nodecount=100", file});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  // Started ~0.3 s in, it spins as hard as hot_a for the rest.
  double late = flat_percent(top.out, "cpu_test_hot_late");
  EXPECT_GT(late, 10) << top.out;
}

TEST(CpuProfile, AProgramWithItsOwnSigprofHandlerIsRefusedAndKeepsIt) {
  CpuHost host({"--own-sigprof"}, profile_ms(300));
  ASSERT_TRUE(host.wait_for_count(1));
  TempDir out;
  std::string file = out.path() + "/cpu.pb.gz";
  RunResult r = gops_pprof_cpu(host, file);
  // The agent's one-line answer is the CLI's error; no file is kept.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gops agent (C++): pprof-cpu refused: the program handles SIGPROF itself (another "
                       "profiler?); its handler is left alone\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(::access(file.c_str(), F_OK), 0);
  long before = host.own_sigprof_count();
  EXPECT_TRUE(host.wait_for_count(before + 5)) << "the host's handler still gets its SIGPROF\n" << host.output();
}

TEST(CpuProfile, GoClientFlowBinaryThenGoToolPprof) {
  CpuHost host({}, profile_ms(1000));
  std::string address = "127.0.0.1:" + std::to_string(host.port());
  RunResult profile = run({go_bin("goclient"), address, "pprof-cpu"}, {}, std::chrono::seconds(60));
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  RunResult binary = run({go_bin("goclient"), address, "binary"}, {}, std::chrono::seconds(60));
  ASSERT_EQ(binary.exit_code, 0) << binary.err;
  TempDir out;
  write_file(out.path() + "/profile", profile.out);
  write_file(out.path() + "/binary", binary.out);
  ASSERT_EQ(::chmod((out.path() + "/binary").c_str(), 0700), 0);
  RunResult top = go_pprof({"-top", out.path() + "/binary", out.path() + "/profile"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_EQ(top.err, "") << "pprof warned";
  EXPECT_GT(flat_percent(top.out, "cpu_test_hot_a"), 50) << top.out;
  EXPECT_NE(top.out.find("Duration: 1"), std::string::npos) << top.out;
}

// Without -o, our CLI fetches the binary (0x09) and opens both in
// `go tool pprof BINARY PROFILE` (interactive: it reads EOF and leaves).
TEST(CpuProfile, OurCliOpensTheProfileInGoToolPprof) {
  CpuHost host({}, profile_ms(500));
  TempDir home;
  RunResult r = run({gops_cli(), "pprof-cpu", std::to_string(host.pid())},
                    {{"GOPS_CONFIG_DIR", host.env()["GOPS_CONFIG_DIR"]}, {"HOME", home.path()}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Profile dump saved to: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Binary file saved to: "), std::string::npos) << r.out;
  // pprof names the fetched binary; its build ID is the host's.
  EXPECT_NE((r.out + r.err).find("File: binary"), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("Build ID: " + readelf_build_id(cpu_host_path())), std::string::npos)
      << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("Type: cpu"), std::string::npos) << r.out << r.err;
}

// `gops pprof-cpu --seconds N` sends 0x41 with N in ms, to an agent whose
// describe reply (0x40) lists "pprof-cpu-for".
TEST(CpuProfile, OurCliAsksForAnyLength) {
  CpuHost host;  // no test override: the length asked for is the length taken
  RawReply describe = raw_request(static_cast<std::uint16_t>(host.port()), "\x40");
  if (describe.bytes.find("\"pprof-cpu-for\"") == std::string::npos)
    GTEST_SKIP() << "the agent's describe reply does not list pprof-cpu-for yet: " << describe.bytes;
  TempDir out;
  std::string file = out.path() + "/cpu.pb.gz";
  auto started = std::chrono::steady_clock::now();
  RunResult r = run({gops_cli(), "pprof-cpu", "--seconds", "0.7", "-o", file, std::to_string(host.pid())}, host.env());
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Profiling CPU now, will take 0.7 secs..."), std::string::npos) << r.out;
  EXPECT_GE(took, std::chrono::milliseconds(700));
  RunResult raw = go_pprof({"-raw", file});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  // The profile's own duration_nanos (field 10).
  auto bytes = pprof::gunzip(read_file(file));
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  std::int64_t duration = 0;
  protozero::pbf_reader profile(*bytes);
  while (profile.next()) {
    if (profile.tag() == 10) duration = profile.get_int64();
    else profile.skip();
  }
  EXPECT_GE(duration, 700'000'000);
  EXPECT_LT(duration, 1'500'000'000);
}

}  // namespace
}  // namespace gops::test
