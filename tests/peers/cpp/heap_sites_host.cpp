// A C++ program with the gops agent whose heap is known exactly: 64 MiB kept
// live from one call site (1 KiB blocks, operator new[]), 16 MiB from another
// (64-byte blocks, malloc), and 256 MiB churned through a third (allocated
// and freed at once). Prints "ready" when all that is done, then waits to
// be profiled. Built twice: with the heap sampler linked in, and without
// (run under LD_PRELOAD).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <gops/agent.hpp>

namespace {
void touch(void* p) { asm volatile("" : : "r"(p) : "memory"); }  // keeps the allocation observable
}  // namespace

// The call sites, by the names the tests look for in the profile.
extern "C" void heap_test_keep_64mib(std::vector<char*>& keep);
extern "C" void heap_test_keep_16mib(std::vector<void*>& keep);
extern "C" void heap_test_churn_256mib();

extern "C" __attribute__((noinline)) void heap_test_keep_64mib(std::vector<char*>& keep) {
  for (int i = 0; i < 65536; ++i) {
    char* block = new char[1024];
    block[0] = 1;
    keep.push_back(block);
  }
}

extern "C" __attribute__((noinline)) void heap_test_keep_16mib(std::vector<void*>& keep) {
  for (int i = 0; i < 262144; ++i) {
    void* block = std::malloc(64);
    touch(block);
    keep.push_back(block);
  }
}

extern "C" __attribute__((noinline)) void heap_test_churn_256mib() {
  for (int i = 0; i < 65536; ++i) {
    void* block = std::malloc(4096);
    touch(block);
    std::free(block);
  }
}

int main() {
  gops::agent::Options options;
  options.program_version = "heap-sites";
  if (auto r = gops::agent::listen(options); !r.ok) {
    std::fprintf(stderr, "agent: %s\n", r.error.c_str());
    return 1;
  }
  std::vector<char*> big;
  std::vector<void*> small;
  big.reserve(65536);
  small.reserve(262144);
  heap_test_keep_64mib(big);
  heap_test_keep_16mib(small);
  heap_test_churn_256mib();
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) ::pause();
}
