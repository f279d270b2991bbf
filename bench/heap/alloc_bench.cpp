// Allocation-heavy workload for the heap sampler's overhead: THREADS threads
// each doing OPS small new/delete pairs (16..256 bytes) over a ring of live
// blocks, so the allocator works on a realistic mix instead of one
// recycled chunk. Prints the wall time and the process's CPU time.
//
//   alloc_bench [THREADS] [OPS]          (defaults: 4, 20000000)
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

void work(unsigned seed, long ops) {
  constexpr int kRing = 256;
  char* ring[kRing] = {};
  std::uint32_t x = seed * 2654435761u + 1;
  for (long i = 0; i < ops; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    int slot = static_cast<int>(x % kRing);
    delete[] ring[slot];
    std::size_t size = 16 + (x >> 8) % 241;
    ring[slot] = new char[size];
    ring[slot][0] = static_cast<char>(i);
  }
  for (char* p : ring) delete[] p;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 4;
  long ops = argc > 2 ? std::atol(argv[2]) : 20000000;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t + 1, ops / threads);
  for (auto& t : pool) t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wall=%.4f cpu=%.4f ns_per_op_cpu=%.2f\n", wall, cpu_seconds(), cpu_seconds() * 1e9 / static_cast<double>(ops));
  return 0;
}
