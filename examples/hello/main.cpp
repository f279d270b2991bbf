// hello: a C++ program that gops can diagnose. A few named threads do
// recognizable work; the agent answers `gops stack|memstats|stats|version|gc PID`.
//
//   build/release/hello &
//   build/release/gops stack $!
#include <gops/agent.hpp>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hello {

std::atomic<bool> g_running{true};

// Counts primes, slowly: a thread that is always on the CPU.
static __attribute__((noinline)) bool is_prime(unsigned long n) {
  if (n < 2) return false;
  for (unsigned long d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

static void count_primes() {
  unsigned long found = 0;
  for (unsigned long n = 2; g_running; ++n) found += is_prime(n % 5000000);
  std::printf("primes seen: %lu\n", found);
}

// Keeps a small cache of strings, touching the allocator.
static void churn_cache() {
  std::map<int, std::string> cache;
  for (int i = 0; g_running; ++i) {
    cache[i % 1000] = std::string(static_cast<std::size_t>(100 + i % 900), 'x');
    if (i % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Waits for work that never comes: a thread asleep on a condition variable.
static void wait_for_jobs() {
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock lock(m);
  cv.wait(lock, [] { return !g_running.load(); });
}

static void start(const char* name, void (*fn)(), std::vector<std::thread>& threads) {
  threads.emplace_back(fn);
  pthread_setname_np(threads.back().native_handle(), name);
}

}  // namespace hello

int main() {
  gops::agent::Options options;
  options.program_version = "hello 1.0";
  options.shutdown_cleanup = true;  // remove the port file on Ctrl-C
  auto agent = gops::agent::listen(options);
  if (!agent.ok) {
    std::fprintf(stderr, "hello: gops agent: %s\n", agent.error.c_str());
    return 1;
  }
  std::printf("hello: PID %d, gops agent on 127.0.0.1:%u\n", static_cast<int>(::getpid()), agent.port);
  std::fflush(stdout);

  std::vector<std::thread> threads;
  hello::start("primes", hello::count_primes, threads);
  hello::start("cache", hello::churn_cache, threads);
  hello::start("jobs", hello::wait_for_jobs, threads);
  for (;;) ::pause();  // until a signal ends the program
}
