// fleet_host: a C++ program without any gops code, for the tests of the
// preloaded agent (libgops_agent.so) and its HTTP endpoint. One thread
// burns CPU in fleet_test_hot, 32 MiB stay allocated from
// fleet_test_alloc_site, one thread sleeps in fleet_test_sleeper.
//
//   fleet_host [--fork] [--exit-on-usr1]
//
// Prints "ready" once all that runs; --fork: then forks a child that
// sleeps and prints "child=PID" itself (so the fork handlers have run in it
// by then); --exit-on-usr1: returns from main (so exit handlers run) when
// SIGUSR1 comes, taken with sigwait: no handler is installed.
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
  bool exit_on_usr1 = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fork") fork_child = true;
    if (a == "--exit-on-usr1") exit_on_usr1 = true;
  }
  // Blocked before the threads start, so that they inherit the mask and
  // the signal waits for sigwait() below.
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  if (exit_on_usr1) pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
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
      std::printf("child=%d\n", static_cast<int>(::getpid()));
      std::fflush(stdout);
      for (;;) ::pause();
    }
  }
  if (exit_on_usr1) {
    int sig = 0;
    while (sigwait(&usr1, &sig) != 0) {
    }
    return 0;
  }
  for (;;) ::pause();
}
