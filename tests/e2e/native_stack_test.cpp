// `gops stack PID` for processes that run no agent and are not Go (and a Go
// process's OS threads with --threads): C++ with 1000 parked threads, a
// spinner and threads in system calls; C; Rust with both manglings. Frames
// are checked against what the peers are known to run and, function for
// function, against eu-stack; the target must run on after every dump,
// including one whose CLI was killed while the target was stopped.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attach/process_memory.hpp"
#include "stackdump/stack_dump.hpp"
#include "support/go_target.hpp"
#include "support/host_process.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

constexpr int kParked = 1000;

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// The functions of a thread's frames, outermost last; inlined frames left
// out when `physical_only` (eu-stack shows one name per address).
std::vector<std::string> functions(const stackdump::Thread& t, bool physical_only = false) {
  std::vector<std::string> out;
  for (const auto& f : t.frames)
    if (!physical_only || !f.inlined) out.push_back(f.function);
  return out;
}

bool contains_in_order(const std::vector<std::string>& haystack, const std::vector<std::string>& needles) {
  auto it = haystack.begin();
  for (const auto& n : needles) {
    it = std::find(it, haystack.end(), n);
    if (it == haystack.end()) return false;
    ++it;
  }
  return true;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

// A peer started and waited for: "ready pid=P [progress=ADDR]".
struct Peer {
  std::unique_ptr<Child> child;
  std::uint64_t progress = 0;
  std::string pid_text() const { return std::to_string(child->pid()); }
};

Peer start_peer(const std::vector<std::string>& argv) {
  Peer p;
  p.child = std::make_unique<Child>(Child::spawn(argv));
  EXPECT_TRUE(p.child->wait_for_output("ready pid=", 120s)) << argv[0];
  std::string out = p.child->output();
  if (auto at = out.find("progress=0x"); at != std::string::npos)
    p.progress = std::strtoull(out.c_str() + at + 11, nullptr, 16);
  return p;
}

// Through thread `via` when the main thread has exited (it has no memory).
std::uint64_t read_progress(const Peer& p, pid_t via = 0) {
  auto v = attach::read_value<std::uint64_t>(attach::ProcessMemory(via ? via : p.child->pid()), p.progress);
  return v ? *v : 0;
}

// Every thread runs (none left in a ptrace stop: "t").
bool none_traced(pid_t pid) { return thread_states_of(pid).find('t') == std::string::npos; }

// eu-stack -p PID: TID -> function names, innermost first ("" for a frame
// it found no name for).
std::map<long, std::vector<std::string>> eu_stack(pid_t pid) {
  auto r = run({"eu-stack", "-p", std::to_string(pid)});
  std::map<long, std::vector<std::string>> out;
  std::vector<std::string>* current = nullptr;
  for (const std::string& line : split_lines(r.out)) {
    if (line.rfind("TID ", 0) == 0) {
      current = &out[std::atol(line.c_str() + 4)];
      continue;
    }
    if (current == nullptr || line.empty() || line[0] != '#') continue;
    // "#3  0x00007f0a1b2c3d4e name"
    std::istringstream in(line);
    std::string index, address;
    in >> index >> address;
    std::string name;
    std::getline(in, name);
    name.erase(0, name.find_first_not_of(' '));
    current->push_back(name);
  }
  return out;
}

// A smaller peer for what does not need 1000 threads (ctest runs each test
// in a process of its own: each starts its peer).
constexpr int kFewParked = 16;

class NativeStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cpp_ = new Peer(start_peer({NATIVE_THREADS_CPP, std::to_string(kFewParked)})); }
  static void TearDownTestSuite() {
    delete cpp_;
    cpp_ = nullptr;
  }
  static Peer* cpp_;
};
Peer* NativeStack::cpp_ = nullptr;

// 1000 parked threads, a spinner, threads in read(), nanosleep() and
// poll(): every thread with the frames it runs, names as eu-stack gives
// them, the last line saying how long the target was stopped, and the
// target running on after the dump.
TEST(NativeStack1000, EveryThreadWithItsFramesAsEuStackNamesThem) {
  Peer peer = start_peer({NATIVE_THREADS_CPP, std::to_string(kParked)});
  Peer* cpp_ = &peer;
  ASSERT_NE(cpp_->progress, 0u);
  auto r = run({gops_cli(), "stack", cpp_->pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::uint64_t after = read_progress(*cpp_);
  EXPECT_TRUE(eventually([&] { return read_progress(*cpp_) > after; })) << "the spinner no longer counts";
  EXPECT_TRUE(eventually([&] { return none_traced(cpp_->child->pid()); })) << thread_states_of(cpp_->child->pid());

  auto dump = stackdump::parse_native(r.out);
  std::size_t tasks = split_lines(run({"ls", "/proc/" + cpp_->pid_text() + "/task"}).out).size();
  ASSERT_EQ(dump.threads.size(), tasks);
  std::map<std::string, int> by_name;
  for (const auto& t : dump.threads) {
    ++by_name[t.name];
    auto f = functions(t);
    if (t.name == "parked") {
      EXPECT_EQ(t.state, "S (sleeping)");
      EXPECT_TRUE(contains_in_order(f, {"peer::parked_in_futex()", "peer::park_inner()", "peer::park_outer()"}))
          << t.tid << ": " << joined(f);
      auto it = std::find_if(t.frames.begin(), t.frames.end(),
                             [](const auto& fr) { return fr.function == "peer::parked_in_futex()"; });
      ASSERT_NE(it, t.frames.end());
      EXPECT_TRUE(it->file.ends_with("tests/peers/native/threads_target.cpp")) << it->file;
      EXPECT_GT(it->line, 0);
    } else if (t.name == "spinner") {
      EXPECT_TRUE(contains_in_order(f, {"peer::spin_forever()"})) << joined(f);
    } else if (t.name == "reader") {
      EXPECT_TRUE(contains_in_order(f, {"read", "peer::read_forever()"})) << joined(f);
    } else if (t.name == "sleeper") {
      EXPECT_TRUE(contains_in_order(f, {"peer::sleep_forever()"})) << joined(f);
    } else if (t.name == "poller") {
      EXPECT_TRUE(contains_in_order(f, {"peer::poll_forever()"})) << joined(f);
    } else {
      EXPECT_TRUE(contains_in_order(f, {"main"})) << t.name << ": " << joined(f);
    }
    EXPECT_TRUE(t.notes.empty()) << t.tid << ": " << t.notes.front();
  }
  EXPECT_EQ(by_name["parked"], kParked);
  EXPECT_EQ(by_name["spinner"], 1);
  EXPECT_EQ(by_name["reader"], 1);
  EXPECT_EQ(by_name["sleeper"], 1);
  EXPECT_EQ(by_name["poller"], 1);
  auto all = split_lines(r.out);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().rfind("(gops: the target was stopped for ", 0), 0u) << all.back();
  EXPECT_TRUE(all.back().ends_with(" ms)")) << all.back();

  // The parked threads have not moved since: eu-stack sees the same frames.
  auto theirs = eu_stack(cpp_->child->pid());
  ASSERT_FALSE(theirs.empty()) << "eu-stack printed no thread";
  int compared = 0;
  for (const auto& t : dump.threads) {
    if (t.name != "parked") continue;
    auto it = theirs.find(t.tid);
    ASSERT_NE(it, theirs.end()) << "eu-stack has no thread " << t.tid;
    std::vector<std::string> ours = functions(t, true);
    for (auto& name : ours)
      if (name == "??") name = "";
    EXPECT_EQ(joined(ours), joined(it->second)) << "thread " << t.tid;
    ++compared;
  }
  EXPECT_EQ(compared, kParked);
}

TEST_F(NativeStack, Json) {
  auto r = run({gops_cli(), "stack", "--json", cpp_->pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("threads"));
  EXPECT_FALSE(j.contains("goroutines"));
  EXPECT_GE(j["threads"].size(), static_cast<std::size_t>(kFewParked + 5));
  ASSERT_TRUE(j.contains("paused_ms"));
  EXPECT_GT(j["paused_ms"].get<double>(), 0.0);
  bool found = false;
  for (const auto& t : j["threads"]) {
    if (t["name"] != "parked") continue;
    for (const auto& f : t["frames"])
      if (f["function"] == "peer::park_outer()") {
        found = true;
        EXPECT_TRUE(f["file"].get<std::string>().ends_with("threads_target.cpp"));
        EXPECT_GT(f["line"].get<int>(), 0);
        EXPECT_TRUE(f.contains("pc"));
      }
    break;
  }
  EXPECT_TRUE(found) << r.out.substr(0, 2000);
}

// SIGINT or SIGTERM to gops while every thread of the target is stopped:
// gops lets go of it before it dies of the signal.
TEST_F(NativeStack, AnInterruptedCliLeavesTheTargetRunning) {
  pid_t target = cpp_->child->pid();
  for (int sig : {SIGINT, SIGTERM}) {
    int caught = 0;
    for (int round = 0; round < 20 && caught == 0; ++round) {
      pid_t cli = ::fork();
      if (cli == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execl(gops_cli().c_str(), "gops", "stack", std::to_string(target).c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
      }
      // The main thread is seized first: once it is in a ptrace stop, the
      // target is being stopped.
      std::string stat = "/proc/" + std::to_string(target) + "/stat";
      bool stopped = false;
      int status = 0;
      for (;;) {
        std::string s = read_file(stat);
        auto close = s.rfind(')');
        if (close != std::string::npos && close + 2 < s.size() && s[close + 2] == 't') {
          stopped = true;
          break;
        }
        if (::waitpid(cli, &status, WNOHANG) == cli) break;  // finished first: try again
      }
      if (!stopped) continue;
      ::kill(cli, sig);
      ASSERT_EQ(::waitpid(cli, &status, 0), cli);
      ++caught;
      // It died of the signal, as it would have without a target to let go.
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
      EXPECT_TRUE(eventually([&] { return none_traced(target); }, 10s)) << thread_states_of(target);
      std::uint64_t before = read_progress(*cpp_);
      EXPECT_TRUE(eventually([&] { return read_progress(*cpp_) > before; }, 10s));
    }
    EXPECT_EQ(caught, 1) << "never caught the target stopped (signal " << sig << ")";
  }
}

TEST_F(NativeStack, AlreadyTracedIsOneLine) {
  pid_t target = cpp_->child->pid();
  ASSERT_EQ(::ptrace(PTRACE_SEIZE, target, nullptr, nullptr), 0) << std::strerror(errno);
  auto r = run({gops_cli(), "stack", cpp_->pid_text()});
  ::ptrace(PTRACE_DETACH, target, nullptr, nullptr);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("gops: cannot stop process " + cpp_->pid_text() + ": it is already traced by PID " +
                            std::to_string(::getpid()),
                        0),
            0u)
      << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(NativeStack, AnotherUsersProcessIsTheAgentlessGoError) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it (CI runs as root)";
  constexpr const char* kOtherUser = "gops-agentless-test";
  if (::getpwnam(kOtherUser) == nullptr)
    run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kOtherUser});
  passwd* pw = ::getpwnam(kOtherUser);
  ASSERT_NE(pw, nullptr);
  uid_t uid = pw->pw_uid;
  auto r = run({"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups",
                gops_cli(), "stack", cpp_->pid_text()},
               {{"HOME", "/nonexistent"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: cannot read process " + cpp_->pid_text() + ": it belongs to root (uid 0) and gops runs as " +
                       kOtherUser + " (uid " + std::to_string(uid) +
                       ") without CAP_SYS_PTRACE: run gops as that user, or with sudo\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(none_traced(cpp_->child->pid()));
}

// A main thread that has exited while the others run on: listed with
// what /proc says of it, the others with their frames.
TEST(NativeStackZombie, AThreadThatCannotStopIsListedWithItsState) {
  Peer p = start_peer({ATTACH_TARGET, "2", "zombie-main"});
  ASSERT_TRUE(eventually([&] { return thread_states_of(p.child->pid()).find('Z') != std::string::npos; }));
  auto r = run({gops_cli(), "stack", p.pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dump = stackdump::parse_native(r.out);
  ASSERT_EQ(dump.threads.size(), 3u) << r.out;
  const auto& main = dump.threads[0];
  EXPECT_EQ(main.tid, p.child->pid());
  EXPECT_EQ(main.state, "Z (zombie)");
  EXPECT_TRUE(main.frames.empty());
  EXPECT_EQ(main.notes, std::vector<std::string>{"(no stack: zombie)"});
  for (std::size_t i = 1; i < dump.threads.size(); ++i) EXPECT_FALSE(dump.threads[i].frames.empty()) << r.out;
  auto all = split_lines(r.out);
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[all.size() - 2], "(gops: 1 thread could not be stopped (zombie or uninterruptible sleep))");
  pid_t spinner = static_cast<pid_t>(dump.threads[1].tid);
  std::uint64_t after = read_progress(p, spinner);
  EXPECT_NE(after, 0u);
  EXPECT_TRUE(eventually([&] { return read_progress(p, spinner) > after; }));
}

TEST(NativeStackKernel, AKernelThreadIsOneLine) {
  // kthreadd is PID 2 where the PID namespace is the host's.
  if (read_file("/proc/2/comm") != "kthreadd\n") GTEST_SKIP() << "no kthreadd in this PID namespace";
  auto r = run({gops_cli(), "stack", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gops: process 2 is a kernel thread: it has no user-space stack to show\n");
  EXPECT_EQ(r.out, "");
}

// The C peer's parked threads, each expected to be in its park functions
// in order.
std::vector<const stackdump::Thread*> c_parked_threads(const stackdump::StackDump& dump) {
  std::vector<const stackdump::Thread*> parked;
  for (const auto& t : dump.threads) {
    if (t.name != "c-parked") continue;
    parked.push_back(&t);
    EXPECT_TRUE(contains_in_order(functions(t), {"c_parked_in_futex", "c_park_inner", "c_park_outer"}))
        << joined(functions(t));
  }
  return parked;
}

TEST(NativeStackC, ParkedThreadsOfACProgram) {
  Peer p = start_peer({NATIVE_THREADS_C, "4"});
  auto r = run({gops_cli(), "stack", p.pid_text()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dump = stackdump::parse_native(r.out);
  EXPECT_EQ(c_parked_threads(dump).size(), 4u);
}

// Its debug info in a separate file found through .gnu_debuglink, with
// compressed DWARF sections, as Debian's -dbg and -dbgsym packages ship it:
// the same functions, with their files and lines.
// The second run reads the inflated copy the first kept in the cache dir
// (symbolize/debug_cache.hpp), and tells the same.
TEST(NativeStackC, DebugInfoFromACompressedDebugLinkFile) {
  Peer p = start_peer({NATIVE_THREADS_C_SPLIT, "2"});
  TempDir cache;
  std::vector<std::string> park_frames[2];
  for (int round = 0; round < 2; ++round) {
    auto r = run({gops_cli(), "stack", p.pid_text()}, {{"XDG_CACHE_HOME", cache.path()}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto dump = stackdump::parse_native(r.out);
    auto parked = c_parked_threads(dump);
    for (const auto* t : parked) {
      for (const auto& f : t->frames) {
        if (f.function.rfind("c_park", 0) != 0) continue;
        EXPECT_TRUE(f.file.ends_with("threads_target.c")) << f.function << " " << f.file;
        EXPECT_GT(f.line, 0) << f.function;
        park_frames[round].push_back(f.function + " " + f.file + ":" + std::to_string(f.line));
      }
    }
    EXPECT_EQ(parked.size(), 2u);
    if (round == 0) {
      auto entries = split_lines(run({"ls", "-A", cache.path() + "/gops/debug"}).out);
      std::erase(entries, "");
      // The peer's debug file (and libc's, where libc6-dbg is installed).
      EXPECT_FALSE(entries.empty()) << "the inflated copy kept for the next run";
      // Marked unused since long ago: a hit marks it used now.
      for (const std::string& e : entries) {
        timespec long_ago[2] = {{0, UTIME_OMIT}, {1000, 0}};
        ::utimensat(AT_FDCWD, (cache.path() + "/gops/debug/" + e).c_str(), long_ago, 0);
      }
    }
  }
  bool hit = false;
  for (const std::string& e : split_lines(run({"ls", "-A", cache.path() + "/gops/debug"}).out)) {
    struct stat st {};
    hit |= !e.empty() && ::stat((cache.path() + "/gops/debug/" + e).c_str(), &st) == 0 && st.st_mtim.tv_sec > 1000;
  }
  EXPECT_TRUE(hit) << "the second run read a kept copy";
  EXPECT_FALSE(park_frames[0].empty());
  EXPECT_EQ(park_frames[0], park_frames[1]);
}

#ifdef NATIVE_THREADS_RUST_PREFIX
// Both manglings demangle to the same paths (no hash, no "_ZN", no "_R").
TEST(NativeStackRust, LegacyAndV0NamesDemangled) {
  for (const char* mangling : {"legacy", "v0"}) {
    Peer p = start_peer({std::string(NATIVE_THREADS_RUST_PREFIX) + mangling, "3"});
    auto r = run({gops_cli(), "stack", p.pid_text()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto dump = stackdump::parse_native(r.out);
    int parked = 0;
    for (const auto& t : dump.threads) {
      if (t.name != "rust-parked") continue;
      ++parked;
      auto f = functions(t);
      EXPECT_TRUE(contains_in_order(
          f, {"threads_target::rust_parked", "threads_target::rust_park_inner", "threads_target::rust_park_outer"}))
          << mangling << ": " << joined(f);
      for (const auto& name : f) {
        EXPECT_EQ(name.rfind("_ZN", 0), std::string::npos) << mangling << ": " << name;
        EXPECT_EQ(name.rfind("_R", 0), std::string::npos) << mangling << ": " << name;
      }
    }
    EXPECT_EQ(parked, 3) << mangling;
  }
}
#endif

// The same threads through our agent and without it print the same: a
// thread napping in usleep() (agent_host's "idle") has, from usleep
// outwards, the same frames, file:line and offsets in both dumps.
TEST(NativeStackAgent, FramesAreTheAgentsFrames) {
  HostProcess host({"--threads", "2"});
  ASSERT_NE(host.port(), 0);
  std::string pid = std::to_string(host.pid());
  Env env{{"GOPS_CONFIG_DIR", host.config_dir()}};
  // From usleep outwards, as text: "function\n\tlocation\n" per frame.
  auto tail_from_usleep = [](const stackdump::Thread& t) {
    std::string out;
    bool on = false;
    for (const auto& f : t.frames) {
      on = on || f.function == "usleep";
      if (!on) continue;
      // The frames only: the state is each dump's own instant (a thread
      // between two naps is R in one and S in the other).
      stackdump::StackDump one;
      one.threads.push_back({t.tid, t.name, "", {f}, {}});
      out += one.threads.empty() ? "" : stackdump::format_native(one);
    }
    return out;
  };
  int compared = 0;
  for (int round = 0; round < 10 && compared == 0; ++round) {
    auto via_agent = run({gops_cli(), "stack", pid}, env);
    auto without = run({gops_cli(), "stack", "--agentless", pid}, env);
    ASSERT_EQ(via_agent.exit_code, 0) << via_agent.err;
    ASSERT_EQ(without.exit_code, 0) << without.err;
    auto a = stackdump::parse_native(via_agent.out);
    auto b = stackdump::parse_native(without.out);
    for (const auto& ta : a.threads) {
      if (ta.name != "idle") continue;
      for (const auto& tb : b.threads) {
        if (tb.tid != ta.tid) continue;
        std::string x = tail_from_usleep(ta), y = tail_from_usleep(tb);
        if (x.empty() || y.empty()) continue;  // caught between two naps
        EXPECT_EQ(x, y) << "thread " << ta.tid;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 0) << "no idle thread was in usleep in both dumps";
}

// A Go process without an agent: goroutines by default (the agentless Go
// path), its OS threads with --threads.
TEST(NativeStackGo, ThreadsOfAGoProcess) {
  auto t = GoTarget::start({goroutines_binary("")}, {{"PARKED", "4"}});
  ASSERT_TRUE(t.started());
  TempDir config;
  auto r = run({gops_cli(), "stack", "--threads", t.pid_text()}, {{"GOPS_CONFIG_DIR", config.path()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.rfind("thread " + t.pid_text() + " \"", 0), 0u) << r.out.substr(0, 500);
  auto dump = stackdump::parse_native(r.out);
  EXPECT_EQ(dump.threads.size(), split_lines(run({"ls", "/proc/" + t.pid_text() + "/task"}).out).size());
  bool runtime = false;
  for (const auto& th : dump.threads)
    for (const auto& f : th.frames) runtime = runtime || f.function.rfind("runtime.", 0) == 0;
  EXPECT_TRUE(runtime) << r.out.substr(0, 2000);
  auto g = run({gops_cli(), "stack", t.pid_text()}, {{"GOPS_CONFIG_DIR", config.path()}});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.out.rfind("goroutine ", 0), 0u) << g.out.substr(0, 200);
}

}  // namespace
}  // namespace gops::test
