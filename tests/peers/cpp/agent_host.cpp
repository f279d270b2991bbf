// A C++ host program for the agent tests: starts the agent, runs threads
// with recognizable functions, and obeys commands read from a FIFO (so a
// test can make it allocate, free, fork, exec or exit at known moments). Prints
// "port=N" when the agent listens and "done CMD" after each command.
//
// "unwinder" says which libraries the program's exceptions and backtrace()
// resolve to.
//
//   agent_host FIFO [--cleanup] [--version TEXT] [--threads N] [--host-sigterm] [--address HOST:PORT]
//              [--generated]
#include <gops/agent.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/blocked_in.hpp"
#include "support/symbol_origin.hpp"

namespace {

std::atomic<unsigned long> g_spins{0};

// An exception thrown through a few frames of the program's own.
__attribute__((noinline)) int gops_test_throw(int depth) {
  if (depth == 0) throw std::runtime_error("probe");
  int below = gops_test_throw(depth - 1);
  asm volatile("" ::: "memory");
  return below + 1;
}

// The functions the stack test looks for, kept out of line and distinct;
// gops_test_inlined_nap always inlined (the dump lists it as such).
extern "C" inline __attribute__((always_inline)) void gops_test_inlined_nap() { ::usleep(50 * 1000); }

extern "C" __attribute__((noinline)) void gops_test_sleeper_loop() {
  for (;;) {
    gops_test_inlined_nap();
    asm volatile("" ::: "memory");
  }
}

__attribute__((noinline)) double gops_test_spinner_work(double x) {
  for (int i = 0; i < 1000; ++i) x = x * 1.0000001 + 0.5;
  return x;
}

__attribute__((noinline)) void gops_test_spinner_loop() {
  volatile double sink = 1;
  for (;;) {
    sink = gops_test_spinner_work(sink);
    g_spins.fetch_add(1, std::memory_order_relaxed);
  }
}

// Signals blocked: the capture signal cannot reach it.
__attribute__((noinline)) void gops_test_masked_wait() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock lock(m);
  cv.wait(lock, [] { return false; });
}

// Asleep in code generated at run time, as a JIT's is: no unwind info
// covers it. x86-64: push rbp; mov rbp, rsp (a frame pointer to walk by);
// then nanosleep(rdi, 0) in a loop.
extern "C" __attribute__((noinline)) void gops_test_generated_caller() {
  static const unsigned char kCode[] = {
      0x55,                          // push rbp
      0x48, 0x89, 0xe5,              // mov rbp, rsp
      0x49, 0x89, 0xfc,              // mov r12, rdi
      0x4c, 0x89, 0xe7,              // loop: mov rdi, r12
      0x31, 0xf6,                    // xor esi, esi
      0xb8, SYS_nanosleep, 0, 0, 0,  // mov eax, SYS_nanosleep
      0x0f, 0x05,                    // syscall
      0xeb, 0xf2,                    // jmp loop
  };
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) std::abort();
  std::memcpy(page, kCode, sizeof kCode);
  if (::mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) std::abort();
  static const timespec kNap{0, 50 * 1000 * 1000};
  reinterpret_cast<void (*)(const timespec*)>(page)(&kNap);
  std::abort();  // never reached; and the call above is not a tail call
}

// The host's own SIGTERM handler, installed before the agent's: the agent
// must hand the signal on to it.
extern "C" void host_sigterm(int) {
  static const char kText[] = "host handler ran\n";
  [[maybe_unused]] ssize_t n = ::write(1, kText, sizeof kText - 1);
  ::_exit(7);
}

// Starts `fn` on a thread named `name` and returns its TID once the thread
// is running (the name is set before that, by the thread itself).
pid_t start_named(const char* name, void (*fn)()) {
  std::atomic<pid_t> tid{0};
  std::thread t([&tid, name, fn] {
    pthread_setname_np(pthread_self(), name);
    tid.store(gops::test::current_tid());
    fn();
  });
  t.detach();
  while (tid.load() == 0) std::this_thread::yield();
  return tid.load();
}

std::vector<char*> g_blocks;

void allocate_mib(int mib) {
  // Small blocks from the main arena, touched. The last one stays allocated
  // on top of the heap, so free() of the others cannot shrink the heap and
  // only malloc_trim gives their pages back.
  g_blocks.reserve(static_cast<std::size_t>(mib) * 1024 + 1);
  for (int i = 0; i < mib * 1024 + 1; ++i) {
    char* p = static_cast<char*>(std::malloc(1024));
    std::memset(p, 0x5a, 1024);
    g_blocks.push_back(p);
  }
}

void free_blocks() {
  for (std::size_t i = 0; i + 1 < g_blocks.size(); ++i) std::free(g_blocks[i]);
  char* guard = g_blocks.back();
  g_blocks.clear();
  g_blocks.push_back(guard);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: agent_host FIFO [--cleanup] [--version TEXT] [--threads N]\n");
    return 2;
  }
  gops::agent::Options options;
  int extra_threads = 0;
  bool generated = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cleanup") options.shutdown_cleanup = true;
    if (a == "--version" && i + 1 < argc) options.program_version = argv[++i];
    if (a == "--threads" && i + 1 < argc) extra_threads = std::atoi(argv[++i]);
    if (a == "--address" && i + 1 < argc) options.address = argv[++i];
    if (a == "--host-sigterm") ::signal(SIGTERM, host_sigterm);
    if (a == "--generated") generated = true;
  }
  // Each thread is where the tests look for it before the agent is
  // announced: asleep in its nap, spinning, parked with signals blocked.
  std::vector<pid_t> nappers = {start_named("sleeper", gops_test_sleeper_loop)};
  start_named("spinner", gops_test_spinner_loop);
  pid_t masked = start_named("masked", gops_test_masked_wait);
  for (int i = 0; i < extra_threads; ++i) nappers.push_back(start_named("idle", gops_test_sleeper_loop));
  for (pid_t tid : nappers) gops::test::wait_until_blocked_in(tid, SYS_clock_nanosleep);
  if (generated) gops::test::wait_until_blocked_in(start_named("generated", gops_test_generated_caller), SYS_nanosleep);
  gops::test::wait_until_blocked_in(masked, SYS_futex);
  while (g_spins.load() == 0) std::this_thread::yield();

  auto r = gops::agent::listen(options);
  if (!r.ok) {
    std::fprintf(stderr, "agent_host: %s\n", r.error.c_str());
    return 1;
  }
  // Opened before the port is announced: the tests take the descriptors
  // they see then as the host's own.
  int fifo = ::open(argv[1], O_RDWR);  // RDWR: no EOF when a writer leaves
  if (fifo < 0) {
    std::perror("agent_host: open fifo");
    return 1;
  }
  std::printf("port=%u\n", r.port);
  std::fflush(stdout);
  std::string line;
  char c;
  for (;;) {
    // Wake now and then: ThreadSanitizer delivers signals (ours and the
    // cleanup ones) only when a thread comes back from a blocking call.
    pollfd p{fifo, POLLIN, 0};
    if (::poll(&p, 1, 100) == 0) continue;
    if (::read(fifo, &c, 1) != 1) break;
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line == "alloc") allocate_mib(100);
    if (line == "free") free_blocks();
    if (line == "spins") std::printf("spins=%lu\n", g_spins.load());
    if (line == "close") gops::agent::close();
    if (line == "unwinder") {
      // Whose unwinder the program's exceptions and backtrace() use, with
      // the agent (and whatever it loaded) in the process.
      bool caught = false;
      try {
        gops_test_throw(5);
      } catch (const std::runtime_error&) {
        caught = true;
      }
      std::printf("unwinder raise=%s resume=%s backtrace=%s libunwind=%s caught=%d\n",
                  gops::test::symbol_origin("_Unwind_RaiseException").c_str(),
                  gops::test::symbol_origin("_Unwind_Resume").c_str(), gops::test::symbol_origin("backtrace").c_str(),
                  gops::test::library_loaded("libunwind.so.8") ? "loaded" : "absent", caught ? 1 : 0);
    }
    if (line == "exit") {
      std::printf("done exit\n");
      std::fflush(stdout);
      std::exit(0);
    }
    if (line == "fork") {
      // The child runs briefly and exits normally: atexit handlers run in it.
      pid_t pid = ::fork();
      if (pid == 0) {
        ::usleep(100 * 1000);
        std::exit(0);
      }
      int status = 0;
      ::waitpid(pid, &status, 0);
      std::printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (line == "execfds") {
      // A child that execs: it must inherit none of the agent's
      // descriptors. It lists what it has, between two marker lines.
      std::printf("fds:\n");
      std::fflush(stdout);
      pid_t pid = ::fork();
      if (pid == 0) {
        ::execl("/bin/ls", "ls", "-l", "/proc/self/fd/", static_cast<char*>(nullptr));
        ::_exit(127);
      }
      int status = 0;
      ::waitpid(pid, &status, 0);
      std::printf("end fds\n");
    }
    if (line == "forkhold") {
      // A child that outlives the parent's agent: it must not keep the port.
      pid_t pid = ::fork();
      if (pid == 0) {
        ::sleep(5);
        ::_exit(0);
      }
      std::printf("child=%d\n", static_cast<int>(pid));
    }
    std::printf("done %s\n", line.c_str());
    std::fflush(stdout);
    line.clear();
  }
  return 0;
}
