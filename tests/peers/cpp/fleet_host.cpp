// fleet_host: a C++ program without any gops code, for the tests of the
// preloaded agent (libgops_agent.so) and its HTTP endpoint. One thread
// burns CPU in fleet_test_hot, 32 MiB stay allocated from
// fleet_test_alloc_site, one thread sleeps in fleet_test_sleeper.
//
//   fleet_host [--fork] [--exit-after-ms N]
//
// Prints "ready" once all that runs; --fork: then forks a child that
// sleeps, and prints "child=PID"; --exit-after-ms N: returns from main
// after N ms (so exit handlers run).
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// The functions the tests look for, by these names.
extern "C" void fleet_test_hot();
extern "C" char* fleet_test_alloc_site(std::size_t size);
extern "C" void fleet_test_sleeper();

extern "C" __attribute__((noinline)) void fleet_test_hot() {
  volatile double x = 1;
  for (;;) x = x * 1.0000001 + 0.5;
}

extern "C" __attribute__((noinline)) char* fleet_test_alloc_site(std::size_t size) {
  char* p = static_cast<char*>(std::malloc(size));
  std::memset(p, 0x5a, size);
  return p;
}

extern "C" __attribute__((noinline)) void fleet_test_sleeper() {
  for (;;) ::usleep(100 * 1000);
}

int main(int argc, char** argv) {
  bool fork_child = false;
  long exit_after_ms = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fork") fork_child = true;
    if (a == "--exit-after-ms" && i + 1 < argc) exit_after_ms = std::atol(argv[++i]);
  }
  static std::vector<char*> kept;
  for (int i = 0; i < 32; ++i) kept.push_back(fleet_test_alloc_site(1 << 20));
  std::thread(fleet_test_hot).detach();
  std::thread(fleet_test_sleeper).detach();
  std::printf("ready\n");
  std::fflush(stdout);
  if (fork_child) {
    pid_t child = ::fork();
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // goes with the parent
      for (;;) ::pause();
    }
    std::printf("child=%d\n", static_cast<int>(child));
    std::fflush(stdout);
  }
  if (exit_after_ms >= 0) {
    ::usleep(static_cast<useconds_t>(exit_after_ms) * 1000);
    return 0;
  }
  for (;;) ::pause();
}
