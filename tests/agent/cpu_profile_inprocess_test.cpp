// The CPU profiler with the agent in this test process (run under TSan
// too): the reply is a gzipped profile, a second request meanwhile is
// busy, and SIGPROF is left exactly as it was found.
#include <gops/agent.hpp>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "support/in_process_agent.hpp"
#include "pprof/gzip.hpp"
#include "protocol/varint.hpp"
#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

std::string cpu_request(std::uint64_t ms) {
  auto v = protocol::put_uvarint(ms);
  auto bytes = v.view();
  return std::string("\x41", 1) + std::string(bytes.begin(), bytes.end());
}

class CpuProfileInProcess : public InProcessAgent {
 protected:
  void SetUp() override {
    InProcessAgent::SetUp();
    if (HasFatalFailure()) return;
    spinner_ = std::thread([this] {
      volatile double x = 1;
      while (!stop_.load(std::memory_order_relaxed))
        for (int i = 0; i < 10000; ++i) x = x * 1.0000001 + 0.5;
    });
  }
  void TearDown() override {
    stop_ = true;
    if (spinner_.joinable()) spinner_.join();
    InProcessAgent::TearDown();
  }

  std::atomic<bool> stop_{false};
  std::thread spinner_;
};

bool sigprof_is_default() {
  struct sigaction now{};
  ::sigaction(SIGPROF, nullptr, &now);
  return !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL;
}

// POSIX timers of this process (/proc/self/timers): the profiler's and
// the tracer's per-thread timers while they sample, none otherwise.
int posix_timer_count() {
  std::ifstream timers("/proc/self/timers");
  int count = 0;
  for (std::string line; std::getline(timers, line);) count += line.rfind("ID:", 0) == 0;
  return count;
}

std::string trace_request(std::uint64_t ms) {
  auto v = protocol::put_uvarint(ms);
  auto bytes = v.view();
  return std::string("\x42", 1) + std::string(bytes.begin(), bytes.end());
}

using std::chrono::steady_clock;

// The host closes the agent while a client waits for a long profile (or
// trace): close() returns promptly, the client gets a one-line end rather
// than a hang, and nothing of the sampling is left (timers, handler).
void expect_prompt_close(std::future<RawReply>& reply, const std::string& expected_end) {
  auto begin = steady_clock::now();
  agent::close();
  auto took = steady_clock::now() - begin;
  EXPECT_LT(took, std::chrono::seconds(2)) << "close() took "
                                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                           << " ms";
  ASSERT_EQ(reply.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the client was left hanging";
  RawReply r = reply.get();
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.bytes, expected_end);
  EXPECT_EQ(posix_timer_count(), 0);
}

TEST_F(CpuProfileInProcess, CloseDuringAProfileEndsItPromptlyAndRestoresSigprof) {
  auto reply = std::async(std::launch::async,
                          [port = port_] { return raw_request(port, cpu_request(30000), std::chrono::seconds(60)); });
  ASSERT_TRUE(eventually([] { return !sigprof_is_default() && posix_timer_count() > 0; }, std::chrono::seconds(10)));
  expect_prompt_close(reply, "gops agent (C++): pprof-cpu stopped: the agent is closing\n");
  EXPECT_TRUE(sigprof_is_default());
  sigset_t pending;
  ASSERT_EQ(::sigpending(&pending), 0);
  EXPECT_FALSE(::sigismember(&pending, SIGPROF));
  // The profiler is free again: a new agent profiles as before.
  auto again = agent::listen(options_);
  ASSERT_TRUE(again.ok) << again.error;
  port_ = again.port;
  EXPECT_EQ(ask(cpu_request(100)).substr(0, 2), "\x1f\x8b");
}

TEST_F(CpuProfileInProcess, CloseDuringATraceEndsItPromptly) {
  auto reply = std::async(std::launch::async,
                          [port = port_] { return raw_request(port, trace_request(30000), std::chrono::seconds(60)); });
  ASSERT_TRUE(eventually([] { return posix_timer_count() > 0; }, std::chrono::seconds(10)));
  expect_prompt_close(reply, "gops agent (C++): trace stopped: the agent is closing\n");
}

// A client asks for a long profile or trace and goes away: the agent sees
// the hang-up and stops at once. Before, the sampling ran its whole length
// (up to a day) and every other request was told "busy".
void expect_stops_when_the_client_hangs_up(std::uint16_t port, const std::string& request) {
  int fd = raw_connect(port);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  // The state under test: the sampling runs.
  ASSERT_TRUE(eventually([] { return posix_timer_count() > 0; }, std::chrono::seconds(10)));
  ::close(fd);
  EXPECT_TRUE(eventually([] { return posix_timer_count() == 0; }, std::chrono::seconds(5)))
      << "still sampling for a client that has gone";
}

TEST_F(CpuProfileInProcess, AnAbandonedProfileStopsWhenItsClientHangsUp) {
  ASSERT_EQ(cpu_request(40000), std::string("\x41\xc0\xb8\x02", 4));  // 40 s
  expect_stops_when_the_client_hangs_up(port_, cpu_request(40000));
  EXPECT_TRUE(eventually([] { return sigprof_is_default(); }, std::chrono::seconds(5)));
  // The profiler is free again once the stopped profile has returned (a
  // moment after its timers went).
  EXPECT_TRUE(eventually([&] { return ask(cpu_request(50)).substr(0, 2) == "\x1f\x8b"; }, std::chrono::seconds(5)));
}

TEST_F(CpuProfileInProcess, AnAbandonedTraceStopsWhenItsClientHangsUp) {
  expect_stops_when_the_client_hangs_up(port_, trace_request(40000));
  EXPECT_TRUE(eventually([&] { return ask(trace_request(50)).rfind("{\"displayTimeUnit\"", 0) == 0; },
                         std::chrono::seconds(5)))
      << "the tracer is not free again";
}

TEST_F(CpuProfileInProcess, RepliesWithAGzippedProfileAndRestoresSigprof) {
  std::string reply = ask(cpu_request(300));
  ASSERT_GE(reply.size(), 2u) << reply;
  ASSERT_EQ(reply.substr(0, 2), "\x1f\x8b") << reply;
  auto bytes = pprof::gunzip(reply);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  EXPECT_NE(bytes->find("nanoseconds"), std::string::npos);
  EXPECT_TRUE(sigprof_is_default());
  itimerval prof{};
  ASSERT_EQ(::getitimer(ITIMER_PROF, &prof), 0);
  EXPECT_EQ(prof.it_value.tv_sec + prof.it_value.tv_usec, 0);
  // Again: a second profile after the first works the same.
  EXPECT_EQ(ask(cpu_request(100)).substr(0, 2), "\x1f\x8b");
}

TEST_F(CpuProfileInProcess, ASecondRequestMeanwhileIsBusy) {
  auto first = std::async(std::launch::async, [&] { return ask(cpu_request(800)); });
  // The first one holds the profiler once its SIGPROF handler is in.
  ASSERT_TRUE(eventually([] { return !sigprof_is_default(); }, std::chrono::seconds(10)));
  EXPECT_EQ(ask(cpu_request(100)),
            "gops agent (C++): pprof-cpu busy: a CPU profile is already being taken; try later\n");
  EXPECT_EQ(first.get().substr(0, 2), "\x1f\x8b");
  EXPECT_TRUE(sigprof_is_default());
}

TEST_F(CpuProfileInProcess, ZeroDurationIsRefused) {
  EXPECT_EQ(ask(cpu_request(0)),
            "gops agent (C++): pprof-cpu refused: the duration must be more than 0 and at most 1 h, not 0 ms\n");
}

std::atomic<int> g_host_handler_calls{0};
extern "C" void host_sigprof(int) { g_host_handler_calls.fetch_add(1); }

TEST_F(CpuProfileInProcess, TheHostsOwnHandlerIsRefusedAndKept) {
  struct sigaction host{};
  host.sa_handler = host_sigprof;
  ASSERT_EQ(::sigaction(SIGPROF, &host, nullptr), 0);
  std::string reply = ask(cpu_request(200));
  EXPECT_EQ(reply,
            "gops agent (C++): pprof-cpu refused: the program handles SIGPROF itself (another profiler?); "
            "its handler is left alone\n");
  struct sigaction now{};
  ::sigaction(SIGPROF, nullptr, &now);
  EXPECT_EQ(now.sa_handler, host_sigprof);
  ::raise(SIGPROF);
  EXPECT_EQ(g_host_handler_calls.load(), 1);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPROF, &dfl, nullptr);
}

TEST_F(CpuProfileInProcess, SigIgnIsTheHostsChoiceToo) {
  struct sigaction ignore{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPROF, &ignore, nullptr), 0);
  EXPECT_NE(ask(cpu_request(100)).find("pprof-cpu refused: the program handles SIGPROF itself"), std::string::npos);
  struct sigaction now{};
  ::sigaction(SIGPROF, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPROF, &dfl, nullptr);
}

}  // namespace
}  // namespace gops::test
