// The stack dump with the agent in this test process (run under TSan too):
// names and states as the threads report them when they answer (fresh
// after a rename), threads that block the signal listed without holding
// the others up, and threads that come and go during dumps.
#include <gops/agent.hpp>

#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/blocked_in.hpp"
#include "support/in_process_agent.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"
#include "support/sanitizers.hpp"

extern "C" {
void gops_stack_test_sleeper(int fd);
void gops_stack_test_masked_sleeper(int fd);
void gops_stack_test_spinner(const std::atomic<bool>* stop, std::atomic<bool>* spinning);

// Out of line and distinct: the dump must show them by name.
// Asleep in poll() until the pipe closes. Under ThreadSanitizer it wakes
// now and then: TSan delivers a signal only when a blocking call returns
// (so there the signal may also find it awake, between two polls).
__attribute__((noinline)) void gops_stack_test_sleeper(int fd) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, gops::test::kThreadSanitizer ? 20 : -1) <= 0) continue;  // timed out or interrupted
    char c;
    if (::read(fd, &c, 1) <= 0) break;
  }
  asm volatile("" ::: "memory");  // not a tail call
}
// Signals blocked: asleep in read() until the pipe closes.
__attribute__((noinline)) void gops_stack_test_masked_sleeper(int fd) {
  char c;
  while (::read(fd, &c, 1) < 0) {
  }
  asm volatile("" ::: "memory");
}
// Running. The uncontended lock makes no system call; under
// ThreadSanitizer it is where a pending signal is delivered. Says it spins
// once it is inside the loop.
__attribute__((noinline)) void gops_stack_test_spinner(const std::atomic<bool>* stop, std::atomic<bool>* spinning) {
  std::mutex m;
  while (!stop->load(std::memory_order_relaxed)) {
    std::lock_guard lock(m);
    spinning->store(true, std::memory_order_relaxed);
  }
  asm volatile("" ::: "memory");
}
}

namespace gops::test {
namespace {

// The frames listed under the thread named `name`, up to the blank line.
std::string thread_block(const std::string& dump, const std::string& name) {
  auto at = dump.find("\"" + name + "\" [");
  if (at == std::string::npos) return {};
  auto end = dump.find("\n\n", at);
  return dump.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Every thread's entry under `name`, each up to its blank line.
std::vector<std::string> blocks_named(const std::string& dump, const std::string& name) {
  std::vector<std::string> out;
  for (auto at = dump.find("\"" + name + "\" ["); at != std::string::npos;
       at = dump.find("\"" + name + "\" [", at + 1)) {
    auto end = dump.find("\n\n", at);
    out.push_back(dump.substr(at, end == std::string::npos ? std::string::npos : end - at));
  }
  return out;
}

// Threads that sleep on a pipe until released (in poll(), or in read()
// with every signal blocked for `masked` ones); start() returns once the
// thread is blocked there, which is what the dumps are to show.
class Sleepers {
 public:
  Sleepers() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Sleepers() {
    ::close(fds_[1]);  // every read returns 0: all wake and leave
    for (auto& t : threads_) t.join();
    ::close(fds_[0]);
  }
  pthread_t start(const char* name, bool masked) {
    tid_.store(0);
    threads_.emplace_back([this, masked, name] {
      pthread_setname_np(pthread_self(), name);
      if (masked) {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
      }
      tid_.store(current_tid());
      if (masked) {
        gops_stack_test_masked_sleeper(fds_[0]);
      } else {
        gops_stack_test_sleeper(fds_[0]);
      }
    });
    while (tid_.load() == 0) std::this_thread::yield();
    EXPECT_TRUE(wait_until_blocked_in(tid_.load(), masked ? SYS_read : SYS_poll)) << name;
    return threads_.back().native_handle();
  }

 private:
  int fds_[2] = {-1, -1};
  std::atomic<pid_t> tid_{0};
  std::vector<std::thread> threads_;
};

class StackInProcess : public InProcessAgent {
 protected:
  std::string dump() { return ask("\x01"); }
};

TEST_F(StackInProcess, NamesAndStatesAreTheThreadsOwnAndFresh) {
  Sleepers sleepers;
  pthread_t sleeper = sleepers.start("st-sleeper", false);
  sleepers.start("st-masked", true);
  std::atomic<bool> stop{false}, spinning{false};
  std::thread spinner([&] {
    pthread_setname_np(pthread_self(), "st-spinner");
    gops_stack_test_spinner(&stop, &spinning);
  });
  // The dump must find it inside the function, not still in start_thread.
  while (!spinning.load()) std::this_thread::yield();

  std::string first = dump();
  // The state the answer shows: asleep in poll (under TSan, maybe caught
  // between two polls).
  const char* asleep = kThreadSanitizer ? "]:\n" : "[S (sleeping)]:\n";
  std::string block = thread_block(first, "st-sleeper");
  EXPECT_NE(block.find(asleep), std::string::npos) << first;
  EXPECT_NE(block.find("\ngops_stack_test_sleeper\n\t"), std::string::npos) << block;
  EXPECT_NE(block.find("tests/agent/stack_inprocess_test.cpp:"), std::string::npos) << block;
  block = thread_block(first, "st-spinner");
  EXPECT_NE(block.find("[R (running)]:\n"), std::string::npos) << first;
  // Under TSan, handlers run inside TSan's runtime, whose frames libunwind
  // does not always get through.
  if (!kThreadSanitizer) {
    EXPECT_NE(block.find("gops_stack_test_spinner"), std::string::npos) << block;
  }
  // Silent: listed with what the kernel says about it.
  block = thread_block(first, "st-masked");
  EXPECT_NE(block.find("(no stack: signals blocked)"), std::string::npos) << first;
  EXPECT_NE(block.find("[S (sleeping)"), std::string::npos) << block;

  // A rename shows in the next dump: names are not remembered.
  pthread_setname_np(sleeper, "st-renamed");
  std::string second = dump();
  EXPECT_EQ(thread_block(second, "st-sleeper"), "") << second;
  EXPECT_NE(thread_block(second, "st-renamed").find("\ngops_stack_test_sleeper\n\t"), std::string::npos) << second;

  stop.store(true);
  spinner.join();
}

// Threads that block the signal come first in the send order (lower TIDs):
// the answers that pass the signal on cannot start from them, and the
// requester must start the sends again, without waiting out the deadline.
TEST_F(StackInProcess, ThreadsBehindSilentOnesAllAnswer) {
  Sleepers sleepers;
  constexpr int kMasked = 24;
  constexpr int kAnswering = 120;
  for (int i = 0; i < kMasked; ++i) sleepers.start("st-masked", true);
  for (int i = 0; i < kAnswering; ++i) sleepers.start("st-answers", false);

  std::string d = dump();
  std::vector<std::string> masked = blocks_named(d, "st-masked");
  EXPECT_EQ(masked.size(), static_cast<std::size_t>(kMasked)) << d;
  for (const std::string& b : masked) {
    EXPECT_NE(b.find("[S (sleeping)"), std::string::npos) << b;
    EXPECT_NE(b.find("(no stack: signals blocked)"), std::string::npos) << b;
  }
  std::vector<std::string> answering = blocks_named(d, "st-answers");
  EXPECT_EQ(answering.size(), static_cast<std::size_t>(kAnswering)) << d;
  for (const std::string& b : answering) {
    if (!kThreadSanitizer) {
      EXPECT_NE(b.find("[S (sleeping)]:\n"), std::string::npos) << b;
    }
    EXPECT_NE(b.find("\ngops_stack_test_sleeper\n\t"), std::string::npos) << b;
  }
  EXPECT_EQ(d.find("did not answer"), std::string::npos) << d;
}

// Threads that start and exit while dumps run: every dump ends, lists the
// steady threads with their stacks, and each entry is whole (an exited
// thread is left out or listed, never half).
TEST_F(StackInProcess, ThreadsComingAndGoingDuringDumps) {
  Sleepers sleepers;
  sleepers.start("st-steady", false);
  std::atomic<bool> stop{false};
  std::atomic<int> churned{0};
  std::vector<std::thread> churners;
  for (int c = 0; c < 2; ++c) {
    churners.emplace_back([&] {
      while (!stop.load()) {
        std::thread brief([] { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
        pthread_setname_np(brief.native_handle(), "st-brief");
        brief.join();
        churned.fetch_add(1);
      }
    });
  }
  const std::regex header(R"(^thread [0-9]+ "[^"\n]*" \[[RSDTtZXI] \([a-z ]+\)(, in [^\]\n]+)?\]:$)");
  for (int round = 0; round < 15; ++round) {
    auto started = std::chrono::steady_clock::now();
    std::string d = dump();
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, std::chrono::seconds(5)) << "round " << round;
    EXPECT_NE(thread_block(d, "st-steady").find("\ngops_stack_test_sleeper\n\t"), std::string::npos) << d;
    std::size_t at = 0;
    while (at < d.size()) {
      std::size_t end = d.find('\n', at);
      std::string line = d.substr(at, end - at);
      if (line.rfind("thread ", 0) == 0) {
        EXPECT_TRUE(std::regex_match(line, header)) << line;
      }
      at = end == std::string::npos ? d.size() : end + 1;
    }
    EXPECT_EQ(d.find("signal failed"), std::string::npos) << d;
  }
  stop.store(true);
  for (auto& t : churners) t.join();
  EXPECT_GT(churned.load(), 15) << "threads came and went while the dumps ran";
}

}  // namespace
}  // namespace gops::test
