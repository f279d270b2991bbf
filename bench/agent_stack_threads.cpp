// The stack-dump benchmark's target: a C++ process with N threads (default
// 1000), each asleep a few calls deep in recognizable functions, and the
// gops agent. Prints "pid=P port=N" when ready, then waits to be killed.
//
//   agent_stack_threads [THREADS]
#include <gops/agent.hpp>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

std::atomic<int> g_started{0};
std::atomic<bool> g_stop{false};  // never set: the threads sleep until the process is killed

__attribute__((noinline)) void bench_sleep_forever() {
  g_started.fetch_add(1);
  while (!g_stop.load()) ::pause();
}

__attribute__((noinline)) void bench_wait_for_work(int depth) {
  if (depth > 0)
    bench_wait_for_work(depth - 1);
  else
    bench_sleep_forever();
  asm volatile("" ::: "memory");  // not a tail call: each level is a frame
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 1000;
  for (int i = 0; i < threads; ++i) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);  // 1000 threads stay cheap
    pthread_t t;
    if (pthread_create(&t, &attr, [](void* arg) -> void* {
          bench_wait_for_work(static_cast<int>(reinterpret_cast<std::intptr_t>(arg)));
          return nullptr;
        }, reinterpret_cast<void*>(static_cast<std::intptr_t>(i % 8))) != 0) {
      std::fprintf(stderr, "agent_stack_threads: pthread_create failed at %d\n", i);
      return 1;
    }
    pthread_attr_destroy(&attr);
  }
  while (g_started.load() < threads) ::usleep(1000);
  auto agent = gops::agent::listen();
  if (!agent.ok) {
    std::fprintf(stderr, "agent_stack_threads: %s\n", agent.error.c_str());
    return 1;
  }
  std::printf("pid=%d port=%u\n", static_cast<int>(::getpid()), agent.port);
  std::fflush(stdout);
  for (;;) ::pause();
}
