// Agents in containers, reached from the host (as root): our C++ agent
// (agent_host) and the Go agent stand-in (agentpeer) in their own PID,
// network and mount namespaces, their HOME on a tmpfs only the container
// sees. The list, the tree and every agent command find them by their host
// PIDs; what is planted in a container does not lead gops out of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "e2e/agent_peer.hpp"
#include "support/container.hpp"
#include "support/go_list.hpp"
#include "support/go_target.hpp"
#include "support/host_process.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Where things live for one container: its HOME (a tmpfs inside, an empty
// dir outside) and agent_host's command FIFO. Open to all, so that the
// rootless container's uid can reach them.
struct Rig {
  Rig() {
    ::chmod(dir.path().c_str(), 0755);
    std::filesystem::create_directory(home);
    ::chmod(home.c_str(), 0755);
    if (::mkfifo(fifo.c_str(), 0666) != 0 || ::chmod(fifo.c_str(), 0666) != 0) throw std::runtime_error("mkfifo");
  }
  TempDir dir;
  std::string home = dir.path() + "/home";
  std::string fifo = dir.path() + "/fifo";

  // The container's environment: its config dir comes from HOME alone.
  Env env() const { return {{"HOME", home}, {"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}}; }
  ContainerSpec cpp_agent(std::vector<std::string> args = {}, bool rootless = false) const {
    ContainerSpec spec;
    spec.argv = {agent_host_path(), fifo};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = env();
    spec.tmpfs = {home};
    spec.rootless = rootless;
    return spec;
  }
  ContainerSpec go_agent() const {
    ContainerSpec spec;
    spec.argv = {go_bin("agentpeer")};
    spec.env = env();
    spec.env.merge(Env{{"AGENTPEER_CPU_SECONDS", "1"}, {"AGENTPEER_TRACE_SECONDS", "1"}, {"AGENTPEER_NO_SPIN", "1"}});
    spec.tmpfs = {home};
    return spec;
  }
};

// gops on the host, with a config dir of its own that holds no port file:
// what it finds, it finds in the container.
class FromTheHost : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Container::unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  RunResult host_gops(const std::vector<std::string>& args) {
    return gops(args, {{"GOPS_CONFIG_DIR", our_dir_.path()}}, 60s);
  }
  // The list's JSON row of `pid`, or null.
  nlohmann::json listed(pid_t pid) {
    auto r = host_gops({"--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const auto& row : nlohmann::json::parse(r.out))
      if (row["pid"] == pid) return row;
    return nullptr;
  }
  // The tree's JSON node of `pid`, or null.
  nlohmann::json in_tree(pid_t pid) {
    auto r = host_gops({"tree", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json found;
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& nodes) {
      for (const auto& n : nodes) {
        if (n.contains("name") && n["pid"] == pid) found = n;
        if (n.contains("children")) walk(n["children"]);
      }
    };
    walk(nlohmann::json::parse(r.out));
    return found;
  }
  TempDir our_dir_;
};

bool gzip_file(const std::string& path) {
  std::string data = read_file(path);
  return data.size() > 2 && data[0] == '\x1f' && data[1] == '\x8b';
}

TEST_F(FromTheHost, TheCppAgentIsListedAndAnswersEveryCommand) {
  Rig rig;
  Container c(rig.cpp_agent({"--version", "in a container"}));
  ASSERT_TRUE(c.wait_for_output("port=")) << c.output();
  const std::string pid = c.host_pid_text();
  // Its port file is inside the container only, named by its PID there.
  EXPECT_FALSE(std::filesystem::exists(rig.home + "/.config/gops"));

  auto row = listed(c.host_pid());
  ASSERT_FALSE(row.is_null()) << "not listed";
  EXPECT_EQ(row["agent"], true);
  EXPECT_EQ(row["go"], false);
  auto node = in_tree(c.host_pid());
  ASSERT_FALSE(node.is_null()) << "not in the tree";
  EXPECT_EQ(node["agent"], true);
  auto text = host_gops({});
  EXPECT_THAT(text.out, HasSubstr(pid + " ")) << text.out;
  // The name padded to the longest name listed (other agents may run), then
  // the agent mark.
  const std::string line = row_of(text.out, c.host_pid());
  const auto name = line.find(" agent_host");
  ASSERT_NE(name, std::string::npos) << text.out;
  const auto mark = line.find_first_not_of(' ', name + std::string(" agent_host").size());
  EXPECT_TRUE(mark != std::string::npos && line[mark] == '*') << line;

  auto stack = host_gops({"stack", pid});
  EXPECT_EQ(stack.exit_code, 0) << stack.err;
  EXPECT_THAT(stack.out, HasSubstr("gops_test_sleeper_loop"));
  auto gc = host_gops({"gc", pid});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  auto setgc = host_gops({"setgc", pid, "50"});
  EXPECT_THAT(setgc.out, HasSubstr("no garbage collector")) << setgc.err;
  auto memstats = host_gops({"memstats", pid});
  EXPECT_THAT(memstats.out, StartsWith("allocator: ")) << memstats.err;
  auto version = host_gops({"version", pid});
  EXPECT_THAT(version.out, HasSubstr("program: in a container")) << version.err;
  auto stats = host_gops({"stats", pid});
  EXPECT_THAT(stats.out, HasSubstr("agent connections refused: 0")) << stats.err;

  TempDir out;
  auto cpu = host_gops({"pprof-cpu", "--seconds", "1", "-o", out.path() + "/cpu.pb.gz", pid});
  EXPECT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_TRUE(gzip_file(out.path() + "/cpu.pb.gz"));
  auto trace = host_gops({"trace", "--seconds", "1", "-o", out.path() + "/trace.json", pid});
  EXPECT_EQ(trace.exit_code, 0) << trace.err;
  EXPECT_THAT(read_file(out.path() + "/trace.json"), StartsWith("{"));
  // Without the heap sampler the agent says so: that line comes from it.
  auto heap = host_gops({"pprof-heap", "-o", out.path() + "/heap", pid});
  EXPECT_THAT(heap.err, HasSubstr("gops agent (C++): pprof-heap needs the heap sampler")) << heap.err;
}

TEST_F(FromTheHost, TheGoAgentIsMarkedAndAnswersEveryCommand) {
  Rig rig;
  Container c(rig.go_agent());
  ASSERT_TRUE(c.wait_for_output("ready ")) << c.output();
  const std::string pid = c.host_pid_text();

  auto row = listed(c.host_pid());
  ASSERT_FALSE(row.is_null()) << "not listed";
  EXPECT_EQ(row["agent"], true);
  EXPECT_EQ(row["go"], true);
  EXPECT_EQ(in_tree(c.host_pid())["agent"], true);

  EXPECT_THAT(host_gops({"stack", pid}).out, HasSubstr("goroutine 1 ["));
  EXPECT_EQ(host_gops({"gc", pid}).exit_code, 0);
  EXPECT_THAT(host_gops({"setgc", pid, "10"}).out, StartsWith("New GC percent set to 10."));
  EXPECT_THAT(host_gops({"memstats", pid}).out, StartsWith("alloc: "));
  EXPECT_THAT(host_gops({"stats", pid}).out, StartsWith("goroutines: "));
  EXPECT_THAT(host_gops({"version", pid}).out, StartsWith("go1."));
  TempDir out;
  for (const std::string command : {"pprof-cpu", "pprof-heap"}) {
    auto r = host_gops({command, "-o", out.path() + "/" + command, pid});
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_TRUE(gzip_file(out.path() + "/" + command)) << command;
  }
  auto trace = host_gops({"trace", "-o", out.path() + "/trace", pid});
  EXPECT_EQ(trace.exit_code, 0) << trace.err;
  EXPECT_THAT(read_file(out.path() + "/trace"), StartsWith("go 1."));
}

TEST_F(FromTheHost, TwoContainersOnTheSamePortAreToldApart) {
  // Both agents listen on 127.0.0.1:P in their own namespaces, and a
  // listener of the host's holds 127.0.0.1:P too: each command reaches the
  // agent of the PID it names, and nothing reaches the host's.
  TcpPeer host_listener(TcpPeer::Mode::kRecord);
  const std::string address = "127.0.0.1:" + std::to_string(host_listener.port());
  Rig rig_a, rig_b;
  Container a(rig_a.cpp_agent({"--version", "container A", "--address", address}));
  Container b(rig_b.cpp_agent({"--version", "container B", "--address", address}));
  ASSERT_TRUE(a.wait_for_output("port=" + std::to_string(host_listener.port()))) << a.output();
  ASSERT_TRUE(b.wait_for_output("port=" + std::to_string(host_listener.port()))) << b.output();
  for (int round = 0; round < 2; ++round) {
    EXPECT_THAT(host_gops({"version", a.host_pid_text()}).out, HasSubstr("program: container A"));
    EXPECT_THAT(host_gops({"version", b.host_pid_text()}).out, HasSubstr("program: container B"));
  }
  EXPECT_EQ(host_listener.connections(), 0);
  EXPECT_EQ(host_listener.received(), "");
}

TEST_F(FromTheHost, ASymlinkInTheContainerDoesNotLeadToTheHost) {
  // Inside, HOME/.config points at an absolute path that on the host holds a
  // port file of the host's making (a secret, to the container); inside,
  // that path is an empty tmpfs. The agent writes its port file through the
  // link, inside. gops must resolve the link as the container does.
  Rig rig;
  TempDir host_side;
  ::chmod(host_side.path().c_str(), 0755);
  std::filesystem::create_directories(host_side.path() + "/gops");
  write_file(host_side.path() + "/gops/1", "12 HOST-SECRET");
  ContainerSpec spec = rig.cpp_agent({"--version", "linked"});
  spec.tmpfs.push_back(host_side.path());
  spec.symlinks = {{rig.home + "/.config", host_side.path()}};
  Container c(spec);
  ASSERT_TRUE(c.wait_for_output("port=")) << c.output();
  EXPECT_EQ(read_file(host_side.path() + "/gops/1"), "12 HOST-SECRET");  // untouched outside

  auto r = host_gops({"version", c.host_pid_text()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("program: linked"));
  EXPECT_THAT(r.err, Not(HasSubstr("HOST-SECRET")));
  EXPECT_EQ(listed(c.host_pid())["agent"], true);
}

TEST_F(FromTheHost, ASymlinkToAHostFileIsNotReadWhereNoAgentRuns) {
  // The same link, and no agent: the host's file must not be taken for the
  // container's port file (its contents would show in the error).
  Rig rig;
  TempDir host_side;
  std::filesystem::create_directories(host_side.path() + "/gops");
  write_file(host_side.path() + "/gops/1", "12 HOST-SECRET");
  ContainerSpec spec;
  spec.argv = {"sleep", "120"};
  spec.env = rig.env();
  spec.tmpfs = {rig.home, host_side.path()};
  spec.symlinks = {{rig.home + "/.config", host_side.path()}};
  Container c(spec);
  auto r = host_gops({"stats", c.host_pid_text()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no such file or directory"));
  EXPECT_THAT(r.err, Not(HasSubstr("HOST-SECRET")));
}

TEST_F(FromTheHost, GopsInsideTheContainerFindsTheAgentUnderAnotherHome) {
  // Run in the container's namespaces with a HOME of its own: the list and
  // the commands both look in the agent's config dir.
  Rig rig;
  Container c(rig.cpp_agent({"--version", "seen from inside"}));
  ASSERT_TRUE(c.wait_for_output("port=")) << c.output();
  TempDir cli_home;
  auto inside = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"nsenter", "--target", c.host_pid_text(), "--pid", "--net", "--mount", "--", gops_cli()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {{"HOME", cli_home.path()}, {"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}}, 60s);
  };
  auto version = inside({"version", "1"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_THAT(version.out, HasSubstr("program: seen from inside"));
  auto list = inside({"--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto rows = nlohmann::json::parse(list.out);
  auto it = std::find_if(rows.begin(), rows.end(), [](const nlohmann::json& r) { return r["pid"] == 1; });
  ASSERT_NE(it, rows.end()) << list.out;
  EXPECT_EQ((*it)["agent"], true);
}

TEST_F(FromTheHost, AgentlessStackAcrossAPidNamespace) {
  Rig rig;
  ContainerSpec spec;
  spec.argv = {goroutines_binary("")};
  spec.env = rig.env();
  spec.tmpfs = {rig.home};
  Container c(spec);
  ASSERT_TRUE(c.wait_for_output("ready ")) << c.output();
  auto r = host_gops({"stack", c.host_pid_text()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("goroutine 1 ["));
  EXPECT_THAT(r.out, HasSubstr("main.main()"));
  auto version = host_gops({"version", c.host_pid_text()});
  EXPECT_THAT(version.out, StartsWith("go1."));
}

class Rootless : public FromTheHost {
 protected:
  void SetUp() override {
    if (auto why = Container::unavailable(true); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(Rootless, HostRootReachesTheCppAgentAsItsOwnUser) {
  Rig rig;
  Container c(rig.cpp_agent({"--version", "rootless"}, true));
  ASSERT_TRUE(c.wait_for_output("port=")) << c.output();
  const std::string pid = c.host_pid_text();
  EXPECT_EQ(listed(c.host_pid())["agent"], true);
  auto version = host_gops({"version", pid});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_THAT(version.out, HasSubstr("program: rootless"));

  // The same address dialed from a socket of the host's root in that
  // namespace: root of the host is nobody in the container, and the agent
  // refuses it. gops made its socket as the agent's own user instead.
  std::string port = c.output().substr(c.output().find("port=") + 5);
  port = port.substr(0, port.find('\n'));
  auto direct = run({"nsenter", "--target", pid, "--net", "--", gops_cli(), "version", "127.0.0.1:" + port}, {}, 60s);
  EXPECT_EQ(direct.exit_code, 1);
  EXPECT_THAT(direct.err, ::testing::AnyOf(HasSubstr("closed the connection without a reply"),
                                           HasSubstr("reset the connection")));
  auto stats = host_gops({"stats", pid});
  EXPECT_THAT(stats.out, HasSubstr("agent connections refused: 1")) << stats.out << stats.err;
}

TEST_F(Rootless, WithoutPrivilegeTheErrorSaysWhatIsNeeded) {
  // Its own user (uid 65534, who made the container) may read the
  // process's files, but entering the network namespace takes more.
  Rig rig;
  Container c(rig.cpp_agent({}, true));
  ASSERT_TRUE(c.wait_for_output("port=")) << c.output();
  TempDir home;
  ::chmod(home.path().c_str(), 0777);
  auto r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", gops_cli(), "stats", c.host_pid_text()},
               {{"HOME", home.path()}, {"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", ""}}, 60s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("PID " + c.host_pid_text() + " is in another network namespace"));
  EXPECT_THAT(r.err, HasSubstr("needs root, or CAP_SYS_ADMIN and CAP_SYS_PTRACE"));
}

}  // namespace
}  // namespace gops::test
