// A C++ host for the trace tests: the agent, and a thread named "rhythm"
// that alternates 50 ms of CPU work (its own CPU clock, so a busy machine
// stretches the wall time but not the work) and 50 ms of sleep.
// Prints "rhythm tid=T" and "port=N".
#include <gops/agent.hpp>

#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

// The two phases, by the names the tests look for in the trace.
extern "C" void trace_test_work(std::int64_t ns);
extern "C" void trace_test_rest(std::int64_t ns);

extern "C" __attribute__((noinline)) void trace_test_work(std::int64_t ns) {
  std::int64_t until = thread_cpu_ns() + ns;
  volatile double x = 1;
  while (thread_cpu_ns() < until)
    for (int i = 0; i < 10000; ++i) x = x * 1.0000001 + 0.5;
}

extern "C" __attribute__((noinline)) void trace_test_rest(std::int64_t ns) {
  timespec rest{0, static_cast<long>(ns)};
  while (::nanosleep(&rest, &rest) != 0) {  // a sample's signal interrupts it: sleep the rest
  }
}

int main() {
  std::atomic<pid_t> tid{0};
  std::thread rhythm([&] {
    ::pthread_setname_np(::pthread_self(), "rhythm");
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    for (;;) {
      trace_test_work(50'000'000);
      trace_test_rest(50'000'000);
    }
  });
  while (tid == 0) ::usleep(1000);
  auto r = gops::agent::listen();
  if (!r.ok) {
    std::fprintf(stderr, "trace_host: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("rhythm tid=%d\nport=%u\n", static_cast<int>(tid), r.port);
  std::fflush(stdout);
  for (;;) ::pause();
}
