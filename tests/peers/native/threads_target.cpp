// A process without an agent for the agentless native stack tests: N
// threads parked on a futex in a known chain of functions
// (peer::park_outer -> peer::park_inner -> peer::parked_in_futex), a
// spinner bumping a progress counter, and one thread each blocked in read(),
// nanosleep() and poll(). Once every thread is where it should be (each
// seen blocked in its system call, the spinner past its first count) it
// prints
//   ready pid=P progress=ADDR
// and the main thread waits in pause(). With "quiet" after N there is no
// spinner (for the benchmark, where a thread burning a CPU is only noise).
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <thread>
#include <vector>

#include "support/blocked_in.hpp"

namespace peer {

// Extern (not static) so that their names are in the symbol table as
// written, as eu-stack shows them.
void parked_in_futex();
void park_inner();
void park_outer();
void spin_forever();
void read_forever();
void sleep_forever();
void poll_forever();

std::atomic<unsigned long> progress{0};
std::atomic<int> futex_word{0};  // never changes: the parked threads stay parked
int pipe_fds[2];

__attribute__((noinline)) void parked_in_futex() {
  for (;;) ::syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
}
__attribute__((noinline)) void park_inner() {
  parked_in_futex();
  asm volatile("");  // not a tail call: park_inner stays on the stack
}
__attribute__((noinline)) void park_outer() {
  park_inner();
  asm volatile("");
}

__attribute__((noinline)) void spin_forever() {
  for (;;) progress.fetch_add(1, std::memory_order_relaxed);
}

__attribute__((noinline)) void read_forever() {
  char c;
  for (;;)
    if (::read(pipe_fds[0], &c, 1) <= 0) ::pause();
}

__attribute__((noinline)) void sleep_forever() {
  for (;;) {
    timespec ts{3600, 0};
    ::nanosleep(&ts, nullptr);
  }
}

__attribute__((noinline)) void poll_forever() {
  for (;;) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    ::poll(&p, 1, -1);
  }
}

}  // namespace peer

namespace {

// Starts `body` on a thread named `name` and returns its thread id.
pid_t start(const char* name, void (*body)()) {
  std::atomic<pid_t> tid{0};
  std::thread([&tid, name, body] {
    ::pthread_setname_np(::pthread_self(), name);
    tid.store(gops::test::current_tid());
    body();
  }).detach();
  while (tid.load() == 0) std::this_thread::yield();
  return tid.load();
}

}  // namespace

int main(int argc, char** argv) {
  int parked = argc > 1 ? std::atoi(argv[1]) : 8;
  bool spinner = !(argc > 2 && std::string_view(argv[2]) == "quiet");
  if (::pipe(peer::pipe_fds) != 0) return 1;
  std::vector<pid_t> futex_tids;
  for (int i = 0; i < parked; ++i) futex_tids.push_back(start("parked", peer::park_outer));
  pid_t reader = start("reader", peer::read_forever);
  pid_t sleeper = start("sleeper", peer::sleep_forever);
  pid_t poller = start("poller", peer::poll_forever);
  if (spinner) start("spinner", peer::spin_forever);
  for (pid_t tid : futex_tids)
    if (!gops::test::wait_until_blocked_in(tid, SYS_futex)) return 2;
  if (!gops::test::wait_until_blocked_in(reader, SYS_read) ||
      !gops::test::wait_until_blocked_in(sleeper, SYS_clock_nanosleep) ||  // glibc's nanosleep()
      !gops::test::wait_until_blocked_in(poller, SYS_poll))
    return 2;
  while (spinner && peer::progress.load() == 0) std::this_thread::yield();
  std::printf("ready pid=%d progress=%p\n", static_cast<int>(::getpid()), static_cast<void*>(&peer::progress));
  std::fflush(stdout);
  for (;;) ::pause();
}
