// The CPU-bound unit of work of the CPU profiler benchmarks: a 12-deep
// call chain (so a sample's stack walk has real frames to step through),
// integer mixing and a small sort. Shared so both benchmarks measure the
// same thing.
#pragma once

#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace gops::bench {

__attribute__((noinline)) inline std::uint64_t mix(std::uint64_t x) {
  for (int i = 0; i < 64; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 29;
  }
  return x;
}

__attribute__((noinline)) inline std::uint64_t descend(int depth, std::uint64_t x) {
  if (depth == 0) return mix(x);
  std::uint64_t r = descend(depth - 1, x ^ static_cast<std::uint64_t>(depth));
  asm volatile("" : "+r"(r));  // no tail call: keep the frames
  return r + static_cast<std::uint64_t>(depth);
}

__attribute__((noinline)) inline std::uint64_t unit_of_work(std::uint64_t seed) {
  std::array<std::uint32_t, 48> values;
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint32_t>(mix(seed + i));
  std::sort(values.begin(), values.end());
  return descend(12, seed) ^ values[values.size() / 2];
}

inline std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace gops::bench
