// The agent preloaded (libgops_agent.so) into a program without any gops
// code, with the heap sampler's preload beside it, serving HTTP to real
// clients: `go tool pprof` over http, curl, promtool, a Prometheus server.
// And what preloading must not change: the program's signal handlers,
// fork() children, exit, and a program that links the agent itself.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/pprof_tool.hpp"
#include "support/process.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

const std::string kAgentSo = GOPS_AGENT_PRELOAD;
const std::string kSamplerSo = GOPS_HEAP_SAMPLER_PRELOAD;

// fleet_host with the agent (and the heap sampler) preloaded, HTTP on a
// kernel-chosen port.
class PreloadedHost {
 public:
  explicit PreloadedHost(std::vector<std::string> args = {}, Env extra = {}, bool with_sampler = true)
      : child_(start(std::move(args), std::move(extra), with_sampler)) {
    if (!child_.wait_for_output("ready")) throw std::runtime_error("fleet_host did not start");
    gops_port_ = wait_for_port_file(port_file());
    if (gops_port_ == 0) throw std::runtime_error("no port file from the preloaded agent");
    http_port_ = http_port_of(child_.pid(), gops_port_);
  }
  pid_t pid() const { return child_.pid(); }
  std::uint16_t gops_port() const { return gops_port_; }
  std::uint16_t http_port() const { return http_port_; }
  std::string port_file() const { return dir_.path() + "/" + std::to_string(child_.pid()); }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + target;
  }
  Child& child() { return child_; }
  const std::string& config_dir() const { return dir_.path(); }

 private:
  Child start(std::vector<std::string> args, Env env, bool with_sampler) {
    args.insert(args.begin(), FLEET_HOST);
    env["LD_PRELOAD"] = with_sampler ? kSamplerSo + " " + kAgentSo : kAgentSo;
    env["GOPS_CONFIG_DIR"] = dir_.path();
    if (!env.count("GOPS_HTTP_ADDRESS")) env["GOPS_HTTP_ADDRESS"] = "127.0.0.1:0";
    return Child::spawn(args, env);
  }
  TempDir dir_;
  Child child_;
  std::uint16_t gops_port_ = 0, http_port_ = 0;
};

TEST(HttpPreload, GoToolPprofReadsCpuHeapAndGoroutineProfilesOverHttp) {
  PreloadedHost host;
  ASSERT_NE(host.http_port(), 0);
  RunResult cpu = go_pprof({"-raw", host.url("/debug/pprof/profile?seconds=2")});
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_NE(cpu.out.find("fleet_test_hot"), std::string::npos) << cpu.out;
  RunResult heap = go_pprof({"-raw", host.url("/debug/pprof/heap")});
  ASSERT_EQ(heap.exit_code, 0) << heap.err;
  EXPECT_NE(heap.out.find("fleet_test_alloc_site"), std::string::npos) << heap.out;
  RunResult threads = go_pprof({"-raw", host.url("/debug/pprof/goroutine")});
  ASSERT_EQ(threads.exit_code, 0) << threads.err;
  EXPECT_NE(threads.out.find("fleet_test_sleeper"), std::string::npos) << threads.out;
  // Go's legacy text: pprof reads the addresses, then names them through
  // /debug/pprof/symbol (a POST of the addresses).
  RunResult text = go_pprof({"-raw", host.url("/debug/pprof/goroutine?debug=1")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("fleet_test_sleeper"), std::string::npos) << text.out;
  // A delta of the allocations: fleet_host allocated only before it
  // printed "ready", so over one second its site is not there; in the
  // whole profile it is.
  RunResult delta = go_pprof({"-raw", host.url("/debug/pprof/allocs?seconds=1")});
  ASSERT_EQ(delta.exit_code, 0) << delta.err;
  EXPECT_EQ(delta.out.find("fleet_test_alloc_site"), std::string::npos) << delta.out;
  // The same process through the gops port.
  RunResult stack = run({gops_cli(), "stack", std::to_string(host.pid())}, {{"GOPS_CONFIG_DIR", host.config_dir()}});
  EXPECT_EQ(stack.exit_code, 0) << stack.err;
  EXPECT_NE(stack.out.find("fleet_test_sleeper"), std::string::npos) << stack.out;
}

// The paths and parameters the test above does not read: threadcreate,
// heap?gc=1, the trace, symbol by GET, HEAD.
TEST(HttpPreload, TheOtherPathsAndParameters) {
  PreloadedHost host;
  std::uint16_t port = host.http_port();
  RunResult created = go_pprof({"-raw", host.url("/debug/pprof/threadcreate")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("fleet_test_sleeper"), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("fleet_test_hot"), std::string::npos) << created.out;
  RunResult heap = go_pprof({"-raw", host.url("/debug/pprof/heap?gc=1")});
  ASSERT_EQ(heap.exit_code, 0) << heap.err;
  EXPECT_NE(heap.out.find("fleet_test_alloc_site"), std::string::npos) << heap.out;

  HttpResult trace = curl(port, "/debug/pprof/trace?seconds=0.5");
  ASSERT_EQ(trace.status, 200) << trace.body;
  auto events = nlohmann::json::parse(trace.body, nullptr, false);
  ASSERT_FALSE(events.is_discarded()) << trace.body.substr(0, 300);
  EXPECT_NE(trace.body.find("fleet_test_hot"), std::string::npos);

  EXPECT_EQ(curl(port, "/debug/pprof/symbol").body, "num_symbols: 1\n");
  HttpResult head = curl(port, "/metrics", {"-I"});  // -I: the headers are the body curl saves
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.starts_with("HTTP/1.1 200 OK\r\n")) << head.body;
  EXPECT_EQ(head.body.find("# TYPE"), std::string::npos) << head.body;
}

TEST(HttpPreload, StatusCodesAsCurlSeesThem) {
  PreloadedHost host({}, {}, false);
  std::uint16_t port = host.http_port();
  EXPECT_EQ(curl(port, "/metrics").status, 200);
  EXPECT_EQ(curl(port, "/debug/pprof/").status, 200);
  EXPECT_EQ(curl(port, "/debug/pprof").status, 301);
  EXPECT_EQ(curl(port, "/nothing").status, 404);
  EXPECT_EQ(curl(port, "/debug/pprof/block").status, 404);
  EXPECT_EQ(curl(port, "/metrics", {"-X", "DELETE"}).status, 405);
  EXPECT_EQ(curl(port, "/debug/pprof/profile", {"-X", "PUT"}).status, 405);
  HttpResult heap = curl(port, "/debug/pprof/heap");  // no sampler in this one
  EXPECT_EQ(heap.status, 500);
  EXPECT_NE(heap.body.find("LD_PRELOAD="), std::string::npos) << heap.body;
  HttpResult bad = curl(port, "/metrics", {"-H", "Transfer-Encoding: chunked", "--data", "x"});
  EXPECT_EQ(bad.status, 501);
  HttpResult cmdline = curl(port, "/debug/pprof/cmdline");
  EXPECT_EQ(cmdline.body, FLEET_HOST);
}

TEST(HttpPreload, PromtoolChecksTheMetrics) {
  PreloadedHost host;
  HttpResult metrics = curl(host.http_port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* name : {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                           "process_virtual_memory_bytes", "process_virtual_memory_max_bytes",
                           "process_resident_memory_bytes", "process_start_time_seconds",
                           "process_network_receive_bytes_total", "process_network_transmit_bytes_total",
                           "cpp_threads", "cpp_heap_sampler_alloc_calls_total", "cpp_agent_connections_total",
                           "cpp_info"})
    EXPECT_NE(metrics.body.find(std::string("\n# TYPE ") + name + " "), std::string::npos) << name;
  TempDir dir;
  write_file(dir.path() + "/metrics.txt", metrics.body);
  RunResult check = run({"sh", "-c", "promtool check metrics < \"$0\"", dir.path() + "/metrics.txt"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");
}

// A Prometheus server scrapes the agent every second; its API says the
// target is up and has the resident memory of the process.
TEST(HttpPreload, PrometheusScrapesTheAgent) {
  PreloadedHost host({}, {}, false);
  TempDir dir;
  std::string config = dir.path() + "/prometheus.yml";
  write_file(config, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                     "  - job_name: cpp\n    static_configs:\n      - targets: ['127.0.0.1:" +
                         std::to_string(host.http_port()) + "']\n");
  std::optional<Child> prometheus;
  std::uint16_t web = 0;
  // Its web port is chosen here; another process may take it first: retry.
  for (int attempt = 0; attempt < 3 && !prometheus; ++attempt) {
    web = unused_port();
    Child p = Child::spawn({"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/data",
                            "--web.listen-address=127.0.0.1:" + std::to_string(web), "--log.level=warn"});
    if (eventually([&] { return curl(web, "/-/ready").status == 200; }, std::chrono::seconds(30))) prometheus.emplace(std::move(p));
  }
  ASSERT_TRUE(prometheus) << "prometheus did not start";
  auto query = [&](const std::string& q) {
    return curl(web, "/api/v1/query", {"-G", "--data-urlencode", "query=" + q}).body;
  };
  bool up = eventually([&] { return query("up{job=\"cpp\"}").find("\"1\"]") != std::string::npos; },
                       std::chrono::seconds(30));
  EXPECT_TRUE(up) << query("up");
  std::string rss = query("process_resident_memory_bytes{job=\"cpp\"}");
  EXPECT_NE(rss.find("\"result\":[{\"metric\":{\"__name__\":\"process_resident_memory_bytes\""), std::string::npos)
      << rss;
  EXPECT_EQ(rss.find("\"0\"]"), std::string::npos) << rss;
}

// What preloading must leave alone: the handlers the program has (the
// capture signal is claimed on the first stack dump, not before), fork()
// children (no agent there) and exit (the port file goes).
TEST(HttpPreload, SignalsForkAndExitAsWithoutTheAgent) {
  auto caught = [](pid_t pid) {
    std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    auto at = status.find("SigCgt:\t");
    return status.substr(at + 8, 16);
  };
  Child bare = Child::spawn({FLEET_HOST});
  ASSERT_TRUE(bare.wait_for_output("ready"));
  PreloadedHost host({"--fork"}, {}, false);
  EXPECT_EQ(caught(host.pid()), caught(bare.pid()));
  ASSERT_TRUE(host.child().wait_for_output("child="));
  std::string out = host.child().output();
  pid_t child = std::stoi(out.substr(out.find("child=") + 6));
  EXPECT_TRUE(listening_ports(child).empty());
  EXPECT_FALSE(std::filesystem::exists(host.config_dir() + "/" + std::to_string(child)));

  PreloadedHost exiting({"--exit-on-usr1"}, {}, false);
  ASSERT_TRUE(std::filesystem::exists(exiting.port_file()));
  ASSERT_EQ(::kill(exiting.pid(), SIGUSR1), 0);
  EXPECT_EQ(exiting.child().wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(exiting.port_file()));
}

// A program that links the agent and is started with the preload: the
// preloaded agent starts first (before main), and the program's own
// listen() is refused with a reason (cpu_profile_host then exits 1).
TEST(HttpPreload, OneAgentWhenTheProgramLinksItToo) {
  TempDir dir;
  RunResult r = run({CPU_PROFILE_HOST}, {{"LD_PRELOAD", kAgentSo}, {"GOPS_CONFIG_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cpu_profile_host: a gops agent already runs in this process"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // the preloaded one's port file went at exit
}

constexpr const char* kOtherUser = "gops-agent-test";

const passwd* other_user() {
  if (const passwd* pw = ::getpwnam(kOtherUser)) return pw;
  run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kOtherUser});
  return ::getpwnam(kOtherUser);
}

// The environment the preload reads: the gops port's address, who may
// connect (another user's connection is closed unanswered unless
// GOPS_AGENT_ACCESS=anyone), and a non-loopback address refused in one
// line that names the variable to set, the program running on.
TEST(HttpPreload, TheEnvironmentSetsTheAddressAndWhoMayConnect) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it";
  const passwd* pw = other_user();
  ASSERT_NE(pw, nullptr);
  std::string uid = std::to_string(pw->pw_uid), gid = std::to_string(pw->pw_gid);
  auto status_for_other_user = [&](const std::string& host, std::uint16_t port) {
    return run({"setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "curl", "-s", "-o", "/dev/null",
                "-w", "%{http_code}", "--max-time", "30", "http://" + host + ":" + std::to_string(port) + "/metrics"})
        .out;
  };
  PreloadedHost guarded({}, {}, false);
  EXPECT_EQ(status_for_other_user("127.0.0.1", guarded.http_port()), "000");  // closed unanswered

  // Both on 127.0.0.2, where the defaults (127.0.0.1) would not answer.
  PreloadedHost open({}, {{"GOPS_AGENT_ACCESS", "anyone"}, {"GOPS_AGENT_ADDRESS", "127.0.0.2:0"},
                          {"GOPS_HTTP_ADDRESS", "127.0.0.2:0"}}, false);
  EXPECT_EQ(status_for_other_user("127.0.0.2", open.http_port()), "200");
  RunResult there = run({gops_cli(), "version", "127.0.0.2:" + std::to_string(open.gops_port())});
  EXPECT_EQ(there.exit_code, 0) << there.err;
  EXPECT_NE(there.out.find("the agent was preloaded"), std::string::npos) << there.out;

  TempDir dir;
  RunResult refused = run({"true"}, {{"LD_PRELOAD", kAgentSo}, {"GOPS_CONFIG_DIR", dir.path()},
                                     {"GOPS_AGENT_ADDRESS", "0.0.0.0:0"}});
  EXPECT_EQ(refused.exit_code, 0);
  EXPECT_EQ(refused.err, "gops agent (preloaded): agent address 0.0.0.0:0 is not loopback; set "
                         "GOPS_AGENT_ALLOW_NON_LOOPBACK=1 to listen there\n");
}

TEST(HttpPreload, SwitchedOffByTheEnvironment) {
  TempDir dir;
  Child host = Child::spawn({FLEET_HOST}, {{"LD_PRELOAD", kAgentSo}, {"GOPS_CONFIG_DIR", dir.path()},
                                           {"GOPS_AGENT", "off"}});
  ASSERT_TRUE(host.wait_for_output("ready"));
  EXPECT_TRUE(listening_ports(host.pid()).empty());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace gops::test
