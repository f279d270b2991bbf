// agent_host, a real C++ program with the agent, as a child process: memory
// numbers that move, thread counts, the binary, the port file's life.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "support/hide_libraries.hpp"
#include "support/host_process.hpp"
#include "support/raw_client.hpp"
#include "support/sanitizers.hpp"

namespace gops::test {
namespace {

std::string ask(const HostProcess& host, const std::string& bytes) {
  RawReply r = raw_request(host.port(), bytes);
  EXPECT_TRUE(r.connected && r.eof) << "no complete reply";
  return r.bytes;
}

// The byte count of a memstats line: "key: 1.50MB (1572864 bytes)" or "key: 12 bytes".
std::optional<std::uint64_t> bytes_of(const std::string& memstats, const std::string& key) {
  for (const auto& line : split_lines(memstats)) {
    if (line.rfind(key + ": ", 0) != 0) continue;
    auto open = line.find('(');
    std::string number = open == std::string::npos ? line.substr(key.size() + 2) : line.substr(open + 1);
    return std::stoull(number);
  }
  return std::nullopt;
}

std::size_t thread_count(pid_t pid) {
  for (const auto& line : split_lines(read_file("/proc/" + std::to_string(pid) + "/status")))
    if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
  return 0;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(AgentHost, MemstatsFollowAllocationAndGcReturnsMemory) {
  HostProcess host;
  std::string before = ask(host, "\x03");
  auto in_use_before = bytes_of(before, "heap-in-use");
  ASSERT_TRUE(in_use_before) << before;

  ASSERT_TRUE(host.command("alloc"));
  std::string allocated = ask(host, "\x03");
  auto in_use = bytes_of(allocated, "heap-in-use");
  auto resident = bytes_of(allocated, "resident");
  ASSERT_TRUE(in_use && resident) << allocated;
  EXPECT_GE(*in_use, *in_use_before + 100 * kMiB) << allocated;
  EXPECT_GE(*resident, 100 * kMiB) << allocated;

  ASSERT_TRUE(host.command("free"));
  std::string freed = ask(host, "\x03");
  auto in_use_freed = bytes_of(freed, "heap-in-use");
  ASSERT_TRUE(in_use_freed) << freed;
  EXPECT_LE(*in_use_freed + 90 * kMiB, *in_use) << freed;
  bool glibc = freed.rfind("allocator: glibc\n", 0) == 0;
  auto resident_freed = bytes_of(freed, "resident");
  if (glibc) {
    EXPECT_GE(*bytes_of(freed, "heap-free"), 90 * kMiB) << freed;
    EXPECT_GE(*resident_freed + 10 * kMiB, *resident) << "free() alone keeps the pages: " << freed;
  }

  EXPECT_EQ(ask(host, "\x02"), "ok");
  std::string trimmed = ask(host, "\x03");
  auto resident_trimmed = bytes_of(trimmed, "resident");
  ASSERT_TRUE(resident_trimmed) << trimmed;
  if (glibc) {
    EXPECT_LE(*resident_trimmed + 80 * kMiB, *resident_freed) << "gc returns the freed pages:\n" << trimmed;
  } else {
    EXPECT_LE(*resident_trimmed, *resident_freed + 8 * kMiB) << trimmed;
  }
}

// The frames listed under the thread named `name`, up to the blank line.
std::string thread_block(const std::string& dump, const std::string& name) {
  auto at = dump.find("\"" + name + "\" [");
  if (at == std::string::npos) return {};
  auto end = dump.find("\n\n", at);
  return dump.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(AgentHost, StackShowsEveryThreadWithFunctionsAndLines) {
  HostProcess host({"--threads", "2"});
  std::string dump = ask(host, "\x01");
  const std::string source = "tests/peers/cpp/agent_host.cpp:";

  std::string sleeper = thread_block(dump, "sleeper");
  EXPECT_NE(sleeper.find("gops_test_sleeper_loop\n\t"), std::string::npos) << dump;
  EXPECT_NE(sleeper.find(source), std::string::npos) << sleeper;
  EXPECT_NE(sleeper.find("usleep"), std::string::npos) << "libc frames too: " << sleeper;
  // A function inlined at the call site is its own frame, marked so.
  EXPECT_TRUE(std::regex_search(
      sleeper, std::regex("gops_test_inlined_nap\n\t[^\n]*tests/peers/cpp/agent_host\\.cpp:[0-9]+ \\(inlined\\)\n"
                          "gops_test_sleeper_loop\n\t[^\n]*tests/peers/cpp/agent_host\\.cpp:[0-9]+ \\+0x")))
      << sleeper;

  std::string spinner = thread_block(dump, "spinner");
  if (!kThreadSanitizer) {
    // Under TSan, handlers run later, inside TSan's runtime, whose frames
    // libunwind does not always get through: the spinner's own frames may
    // be missing there.
    EXPECT_NE(spinner.find("gops_test_spinner_loop()\n\t"), std::string::npos) << spinner;
    EXPECT_NE(spinner.find(source), std::string::npos) << spinner;
  }
  EXPECT_NE(spinner.find("[R (running)]"), std::string::npos) << spinner;

  std::string main_thread = thread_block(dump, "agent_host");
  EXPECT_NE(main_thread.find("\nmain\n\t"), std::string::npos) << "blocked in read(), still unwound: " << main_thread;
  EXPECT_NE(main_thread.find(source), std::string::npos) << main_thread;
  // crt1's _start has no DWARF: module+offset, not a neighbour's line.
  EXPECT_NE(main_thread.find("\n_start\n\tagent_host+0x"), std::string::npos) << main_thread;

  std::string masked = thread_block(dump, "masked");
  EXPECT_NE(masked.find("(no stack: signals blocked)"), std::string::npos) << masked;
  EXPECT_NE(masked.find("[S (sleeping)"), std::string::npos) << masked;

  // Every thread of the process is there, each once (a sanitizer may add
  // a thread of its own: compare with the kernel's count too).
  std::size_t listed = 0;
  for (std::size_t at = dump.find("thread "); at != std::string::npos; at = dump.find("\n\nthread ", at + 1)) ++listed;
  EXPECT_GE(listed, 1 + 3 + 2 + 1 + 4u) << dump;
  EXPECT_EQ(listed, thread_count(host.pid())) << dump;

  // A second dump (symbols cached) is the same shape.
  std::string again = ask(host, "\x01");
  EXPECT_NE(thread_block(again, "sleeper").find("gops_test_sleeper_loop"), std::string::npos) << again;
}

// A thread asleep in generated code (no unwind info: libgcc's walk stops
// there) is walked on by libunwind, by its frame pointer, to the function
// that called the code and beyond.
// The agent walks stacks with libunwind, which defines the C++ ABI's
// unwinder and backtrace() under the same names as libgcc_s and libc.
// Linked, it would come first in the program's search order and take over
// every exception the program throws (70 times slower with Debian's
// libunwind); loaded privately, it serves the agent alone.
TEST(AgentHost, ProgramKeepsItsOwnUnwinderBesideTheAgent) {
  HostProcess host;
  ask(host, "\x01");  // a stack dump: the agent has its unwinders loaded now
  ASSERT_TRUE(host.command("unwinder"));
  std::smatch m;
  std::string out = host.child().output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("unwinder raise=(\\S+) resume=(\\S+) backtrace=(\\S+) "
                                                   "libunwind=(\\S+) caught=(\\d)")))
      << out;
  EXPECT_EQ(m[4], "loaded") << "the agent's own walks use it: " << out;
  for (int name = 1; name <= 3; ++name) EXPECT_NE(m[name], "libunwind.so.8") << out;
  if (!kSanitized) {  // a sanitizer's runtime may intercept them (in the program itself)
    EXPECT_EQ(m[1], "libgcc_s.so.1") << out;
    EXPECT_EQ(m[2], "libgcc_s.so.1") << out;
    EXPECT_EQ(m[3], "libc.so.6") << out;
  }
  EXPECT_EQ(m[5], "1") << out;
}

// Where libunwind is not installed, the host still starts (nothing of
// ours names it) and its stacks are walked by libgcc's unwinder.
TEST(AgentHost, WithoutLibunwindTheHostRunsAndStacksAreWalked) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace (CI runs as root)";
  if (kThreadSanitizer) GTEST_SKIP() << "under TSan the agent walks with libunwind alone (its handlers run late)";
  HostProcess host({"--threads", "2"}, {}, hiding_libraries({"libunwind.so.8"}));
  std::string dump = ask(host, "\x01");
  std::string sleeper = thread_block(dump, "sleeper");
  EXPECT_NE(sleeper.find("gops_test_sleeper_loop\n\t"), std::string::npos) << dump;
  EXPECT_NE(sleeper.find("tests/peers/cpp/agent_host.cpp:"), std::string::npos) << sleeper;
  EXPECT_NE(thread_block(dump, "agent_host").find("\nmain\n\t"), std::string::npos) << dump;
  ASSERT_TRUE(host.command("unwinder"));
  EXPECT_NE(host.child().output().find(" libunwind=absent caught=1\n"), std::string::npos) << host.child().output();
}

TEST(AgentHost, StackGoesOnPastCodeWithoutUnwindInfo) {
  if (kThreadSanitizer) GTEST_SKIP() << "under TSan, handlers run later, in TSan's runtime";
  HostProcess host({"--generated"});
  std::string dump = ask(host, "\x01");
  std::string generated = thread_block(dump, "generated");
  ASSERT_FALSE(generated.empty()) << dump;
  auto caller = generated.find("gops_test_generated_caller\n\t");
  ASSERT_NE(caller, std::string::npos) << generated;
  // The interrupted instruction, in the generated code, comes first.
  EXPECT_GT(caller, generated.find("]:\n") + 3) << generated;
  EXPECT_NE(generated.find("tests/peers/cpp/agent_host.cpp:", caller), std::string::npos) << generated;
  // And on: the frames the caller was called from.
  std::size_t frames_after = 0;
  for (auto at = generated.find("\n\t", caller); at != std::string::npos; at = generated.find("\n\t", at + 1))
    ++frames_after;
  EXPECT_GE(frames_after, 3u) << generated;
}

TEST(AgentHost, StatsCountsThreads) {
  HostProcess host({"--threads", "7"});
  std::string s = ask(host, "\x07");
  int reported = -1;
  for (const auto& line : split_lines(s))
    if (line.rfind("OS threads: ", 0) == 0) reported = std::stoi(line.substr(12));
  // main + sleeper + spinner + masked + 7 idle + listener + 4 workers (+ a
  // sanitizer's thread, if any)
  EXPECT_GE(reported, 1 + 3 + 7 + 1 + 4) << s;
  EXPECT_EQ(static_cast<std::size_t>(reported), thread_count(host.pid()));
}

TEST(AgentHost, BinaryDumpEqualsTheExecutable) {
  HostProcess host;
  RawReply r = raw_request(host.port(), "\x09");
  ASSERT_TRUE(r.eof);
  std::string exe = read_file(agent_host_path());
  ASSERT_GT(exe.size(), 1000u);
  EXPECT_TRUE(r.bytes == exe) << "got " << r.bytes.size() << " bytes, executable has " << exe.size();
}

TEST(AgentHost, VersionCarriesTheProgramVersion) {
  HostProcess host({"--version", "hello-host 3.4"});
  std::string v = ask(host, "\x04");
  EXPECT_NE(v.find("program: hello-host 3.4\n"), std::string::npos) << v;
}

TEST(AgentHost, PortFileRemovedAtNormalExit) {
  HostProcess host;
  ASSERT_TRUE(exists(host.port_file()));
  EXPECT_EQ(read_file(host.port_file()), std::to_string(host.port()));
  ASSERT_TRUE(host.command("exit"));
  EXPECT_EQ(host.child().wait(), 0);
  EXPECT_FALSE(exists(host.port_file()));
}

TEST(AgentHost, PortFileRemovedOnCleanupSignalsThenSignalKills) {
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) {
    HostProcess host({"--cleanup"});
    ASSERT_TRUE(exists(host.port_file()));
    host.child().kill(sig);
    std::optional<int> status = host.child().wait(kThreadSanitizer ? 5s : 30s);
    if (!status && kThreadSanitizer) {
      // ThreadSanitizer owns the handlers and, on a loaded machine, now and
      // then never runs ours for a signal sent to the process (the process
      // sat idle with nothing pending, the port file still there; 2 to 4
      // of 18 runs, before and after this session's changes). Once more.
      host.child().kill(sig);
      status = host.child().wait();
    }
    EXPECT_EQ(status, -1) << "died of signal " << sig << " (no handler before ours)";
    EXPECT_FALSE(exists(host.port_file())) << "signal " << sig;
  }
}

TEST(AgentHost, CleanupChainsToTheHostsOwnHandler) {
  HostProcess host({"--host-sigterm", "--cleanup"});
  host.child().kill(SIGTERM);
  EXPECT_EQ(host.child().wait(), 7) << "the host's handler decides how the program ends";
  EXPECT_NE(host.child().output().find("host handler ran"), std::string::npos);
  EXPECT_FALSE(exists(host.port_file()));
}

TEST(AgentHost, AllocatorFoundAtRunTime) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer owns malloc: another allocator cannot be preloaded";
  struct Case {
    const char* library;
    const char* name;
    const char* in_use_key;
  };
  const Case cases[] = {
      {"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "jemalloc", "allocated"},
      {"/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", "tcmalloc", "allocated"},
  };
  for (const Case& c : cases) {
    if (!exists(c.library)) {
      ADD_FAILURE() << c.library << " missing: run scripts/setup.sh (libjemalloc2, libtcmalloc-minimal4)";
      continue;
    }
    HostProcess host({}, {{"LD_PRELOAD", c.library}});
    std::string before = ask(host, "\x03");
    EXPECT_EQ(before.rfind(std::string("allocator: ") + c.name + "\n", 0), 0u) << before;
    ASSERT_TRUE(host.command("alloc"));
    std::string after = ask(host, "\x03");
    auto used_before = bytes_of(before, c.in_use_key), used_after = bytes_of(after, c.in_use_key);
    ASSERT_TRUE(used_before && used_after) << before << after;
    EXPECT_GE(*used_after, *used_before + 100 * kMiB) << after;
    ASSERT_TRUE(host.command("free"));
    EXPECT_EQ(ask(host, "\x02"), "ok");
    std::string freed = ask(host, "\x03");
    EXPECT_LE(*bytes_of(freed, c.in_use_key) + 90 * kMiB, *used_after) << freed;
  }
}

TEST(AgentHost, WithoutCleanupOptionSignalLeavesPortFile) {
  HostProcess host;
  host.child().kill(SIGTERM);
  EXPECT_EQ(host.child().wait(), -1);
  EXPECT_TRUE(exists(host.port_file())) << "as the Go agent without ShutdownCleanup";
  ::unlink(host.port_file().c_str());
}

// What `fd` of PID points at, for every fd.
std::map<int, std::string> fd_targets(pid_t pid) {
  std::map<int, std::string> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec) out[std::stoi(entry.path().filename().string())] = target.string();
  }
  return out;
}

std::string varint_request(char command, std::uint64_t ms) {
  std::string out(1, command);
  do {
    out += static_cast<char>((ms & 0x7f) | (ms >= 0x80 ? 0x80 : 0));
    ms >>= 7;
  } while (ms != 0);
  return out;
}

TEST(AgentHost, AnExecedChildInheritsNoDescriptorOfTheAgent) {
  HostProcess host;
  // The host's own descriptors (the FIFO, stdio and what the test runner
  // passed on): the child may have these, and nothing the agent opened.
  std::set<std::string> allowed;
  for (const auto& [fd, target] : fd_targets(host.pid()))
    if (!target.starts_with("socket:") && !target.starts_with("anon_inode:")) allowed.insert(target);
  // The agent at work: the symbolizer opens ELF and debug files, the
  // profiler and tracer their timers, every request a socket.
  EXPECT_NE(ask(host, "\x01").find("gops_test_sleeper_loop"), std::string::npos);
  EXPECT_EQ(ask(host, varint_request('\x41', 200)).substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(ask(host, varint_request('\x42', 200)).substr(0, 1), "{");
  ask(host, "\x03");
  ask(host, "\x07");
  int held = raw_connect(host.port());  // a connection the agent holds while the host execs
  ASSERT_GE(held, 0);
  ASSERT_TRUE(host.command("execfds"));
  std::string out = host.child().output();
  auto begin = out.rfind("fds:\n"), end = out.rfind("end fds\n");
  ASSERT_TRUE(begin != std::string::npos && end != std::string::npos && begin < end) << out;
  std::regex entry(R"((\d+) -> (.*)$)");
  int listed = 0;
  for (const auto& line : split_lines(out.substr(begin, end - begin))) {
    std::smatch m;
    if (!std::regex_search(line, m, entry)) continue;
    ++listed;
    std::string target = m[2];
    if (target.starts_with("/proc/") && target.ends_with("/fd")) continue;  // ls's own
    EXPECT_TRUE(allowed.contains(target)) << "the exec'd child holds fd " << m[1] << " -> " << target;
  }
  EXPECT_GE(listed, 3) << out;  // stdin, stdout, stderr at least
  ::close(held);
}

TEST(AgentHost, ForkChildLeavesParentsPortFileAndPort) {
  // The child exits normally (its atexit handlers are what is tested).
  // LeakSanitizer's check at that exit takes ASan's allocator lock, which a
  // parent thread may have held at the fork: the child would hang there.
  HostProcess host({}, {{"ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1"}});
  ASSERT_TRUE(host.command("fork"));
  EXPECT_NE(host.child().output().find("child exited 0"), std::string::npos);
  EXPECT_TRUE(exists(host.port_file())) << "the child's exit must not remove the parent's file";
  EXPECT_EQ(ask(host, "\x02"), "ok");

  ASSERT_TRUE(host.command("forkhold"));
  std::string out = host.child().output();
  pid_t kid = std::stoi(out.substr(out.find("child=") + 6));
  ASSERT_TRUE(host.command("close"));
  ASSERT_EQ(::kill(kid, 0), 0) << "the forked child is still alive";
  EXPECT_FALSE(exists(host.port_file()));
  EXPECT_LT(raw_connect(host.port()), 0) << "the child must not keep the agent's port open";
  ::kill(kid, SIGKILL);  // it inherited our stderr: do not keep ctest waiting
}

}  // namespace
}  // namespace gops::test
