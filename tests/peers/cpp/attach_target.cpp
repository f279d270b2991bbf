// A process for the attach tests to read and stop: threads that spin
// (bumping a progress counter), threads blocked in read(), a buffer with a
// known pattern next to a hole no one can read. It prints where they are:
//   ready pid=P buffer=ADDR size=N hole=ADDR progress=ADDR
// Modes (argv[2]): "plain"; "zombie-main" (the main thread exits, the
// others run on); "churn" (a thread creates short-lived threads nonstop);
// "blocked" (every thread blocks in read(), none spins).
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<unsigned long> progress{0};
int block_pipe[2];

void spin() {
  for (;;) progress.fetch_add(1, std::memory_order_relaxed);
}

void block() {
  char c;
  for (;;)
    if (::read(block_pipe[0], &c, 1) <= 0) ::pause();
}

void churn() {
  for (;;) std::thread([] { progress.fetch_add(1, std::memory_order_relaxed); }).join();
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 4;
  std::string mode = argc > 2 ? argv[2] : "plain";
  if (::pipe(block_pipe) != 0) return 1;

  long page = ::sysconf(_SC_PAGESIZE);
  auto* region = static_cast<unsigned char*>(
      ::mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (region == MAP_FAILED) return 1;
  // A hole between two readable pages: made unreadable rather than
  // unmapped, so that no later mapping can fill it (under TSan, its
  // runtime's own mappings did).
  ::mprotect(region + page, page, PROT_NONE);
  for (long i = 0; i < page; ++i) region[i] = static_cast<unsigned char>(i * 7 + 3);
  for (long i = 0; i < page; ++i) region[2 * page + i] = static_cast<unsigned char>(i * 5 + 1);

  for (int i = 0; i < threads; ++i) std::thread(i % 2 == 0 && mode != "blocked" ? spin : block).detach();
  if (mode == "churn") std::thread(churn).detach();

  std::printf("ready pid=%d buffer=%p size=%ld hole=%p progress=%p\n", static_cast<int>(::getpid()),
              static_cast<void*>(region), page, static_cast<void*>(region + page), static_cast<void*>(&progress));
  std::fflush(stdout);
  if (mode == "zombie-main") ::pthread_exit(nullptr);
  for (;;) ::pause();
}
