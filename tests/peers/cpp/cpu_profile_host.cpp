// A C++ host for the CPU profile tests: the agent, and two hot functions on
// two threads, cpu_test_hot_b's thread keeping its CPU time at a third of
// cpu_test_hot_a's (75% / 25% of the CPU the two burn).
//
//   cpu_profile_host [--own-sigprof] [--late-thread-ms N]
//
// Prints "port=N", "hot_a tid=T lines=L1-L2" (the function's first and last
// line) and the same for hot_b. --own-sigprof: installs its own SIGPROF
// handler and ITIMER_PROF before the agent starts, and prints "own sigprof
// count=N" every 100 ms. --late-thread-ms N: starts cpu_test_hot_late (a
// full-speed spinner) N ms after the agent listens.
#include <gops/agent.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

std::atomic<pid_t> g_tid_a{0};
std::atomic<long> g_own_sigprof{0};

pid_t gettid_() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace

// The hot functions, by the names the tests look for in the profile.
extern "C" void cpu_test_hot_a();
extern "C" double cpu_test_hot_b(double x);
extern "C" void cpu_test_hot_late();

constexpr int kHotAFirst = __LINE__ + 1;
extern "C" __attribute__((noinline)) void cpu_test_hot_a() {
  volatile double x = 1;
  for (;;) x = x * 1.0000001 + 0.5;  // no calls: every sample lands here
}
constexpr int kHotALast = __LINE__ - 1;

constexpr int kHotBFirst = __LINE__ + 1;
extern "C" __attribute__((noinline)) double cpu_test_hot_b(double x) {
  for (int i = 0; i < 2000000; ++i) x = x * 1.0000001 + 0.5;  // a few ms
  return x;
}
constexpr int kHotBLast = __LINE__ - 1;

extern "C" __attribute__((noinline)) void cpu_test_hot_late() {
  volatile double x = 1;
  for (;;) x = x * 1.0000001 + 0.5;
}

namespace {

double thread_cpu_seconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Runs cpu_test_hot_b while this thread has used less than a third of the
// CPU time of hot_a's thread, else sleeps a little.
void run_b(pthread_t a) {
  clockid_t a_clock{}, b_clock{};
  ::pthread_getcpuclockid(a, &a_clock);
  ::pthread_getcpuclockid(::pthread_self(), &b_clock);
  volatile double x = 1;
  for (;;) {
    if (thread_cpu_seconds(b_clock) * 3 < thread_cpu_seconds(a_clock))
      x = cpu_test_hot_b(x);
    else
      ::usleep(3000);  // few syscalls: their samples would not be hot_b's
  }
}

extern "C" void own_sigprof(int) { g_own_sigprof.fetch_add(1, std::memory_order_relaxed); }

void install_own_profiler() {
  struct sigaction sa{};
  sa.sa_handler = own_sigprof;
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGPROF, &sa, nullptr);
  itimerval every{{0, 20000}, {0, 20000}};  // 50 Hz of process CPU time
  ::setitimer(ITIMER_PROF, &every, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  bool own_sigprof_handler = false;
  long late_ms = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--own-sigprof") == 0) own_sigprof_handler = true;
    else if (std::strcmp(argv[i], "--late-thread-ms") == 0 && i + 1 < argc) late_ms = std::atol(argv[++i]);
  }
  if (own_sigprof_handler) install_own_profiler();

  std::thread a([] {
    g_tid_a = gettid_();
    cpu_test_hot_a();
  });
  pthread_t a_handle = a.native_handle();
  std::atomic<pid_t> tid_b{0};
  std::thread b([&] {
    tid_b = gettid_();
    run_b(a_handle);
  });
  while (g_tid_a == 0 || tid_b == 0) ::usleep(1000);

  auto r = gops::agent::listen();
  if (!r.ok) {
    std::fprintf(stderr, "cpu_profile_host: %s\n", r.error.c_str());
    std::exit(1);  // not return: the threads above are still joinable
  }
  std::printf("hot_a tid=%d lines=%d-%d\n", static_cast<int>(g_tid_a), kHotAFirst, kHotALast);
  std::printf("hot_b tid=%d lines=%d-%d\n", static_cast<int>(tid_b), kHotBFirst, kHotBLast);
  std::printf("port=%u\n", r.port);
  std::fflush(stdout);
  if (late_ms >= 0) {
    ::usleep(static_cast<useconds_t>(late_ms * 1000));
    std::thread(cpu_test_hot_late).detach();
  }
  for (;;) {
    ::usleep(100 * 1000);
    if (own_sigprof_handler) {
      std::printf("own sigprof count=%ld\n", g_own_sigprof.load());
      std::fflush(stdout);
    }
  }
}
