// The sampler in this very process (linked in): exact per-thread call
// counts, counts of exited threads kept in the totals, the Poisson estimate
// of a known live amount, freeing, switching sampling off, and Go's scaling.
#include <gtest/gtest.h>

#include <malloc.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include "agent/commands/heap_scale.hpp"
#include "heap_sampler/gops_heap_sampler.h"
#include "support/symbol_origin.hpp"

namespace gops::test {
namespace {

void touch(void* p) { asm volatile("" : : "r"(p) : "memory"); }  // the compiler may not drop the allocation

gops_heap_sampler_counts my_counts() {
  gops_heap_sampler_counts c{};
  gops_heap_sampler_my_counts(&c);
  return c;
}

gops_heap_sampler_counts totals() {
  gops_heap_sampler_counts c{};
  gops_heap_sampler_total_counts(&c);
  return c;
}

TEST(HeapSampler, CountsEveryCallOfThisThreadExactly) {
  void* blocks[1000];
  gops_heap_sampler_counts before = my_counts();
  for (void*& b : blocks) {
    b = std::malloc(48);
    touch(b);
  }
  for (int i = 0; i < 500; ++i) std::free(blocks[i]);
  for (int i = 500; i < 510; ++i) blocks[i] = std::realloc(blocks[i], 4096);
  for (int i = 0; i < 200; ++i) {
    int* p = new int[4];
    touch(p);
    delete[] p;
  }
  void* aligned = nullptr;
  if (posix_memalign(&aligned, 256, 100) != 0) aligned = nullptr;
  std::free(aligned);
  void* volatile null = nullptr;  // a literal free(nullptr) is dropped by the compiler
  std::free(null);
  gops_heap_sampler_counts after = my_counts();
  for (int i = 500; i < 1000; ++i) std::free(blocks[i]);
  EXPECT_EQ(after.alloc_calls - before.alloc_calls, 1000u + 200u + 1u);
  EXPECT_EQ(after.free_calls - before.free_calls, 500u + 200u + 2u);
  EXPECT_EQ(after.realloc_calls - before.realloc_calls, 10u);
}

TEST(HeapSampler, ExitedThreadsStayInTheTotals) {
  gops_heap_sampler_counts before = totals();
  std::thread worker([] {
    for (int i = 0; i < 100000; ++i) {
      void* p = std::malloc(32);
      touch(p);
      std::free(p);
    }
  });
  worker.join();
  gops_heap_sampler_counts after = totals();
  // std::thread's own state (allocated here, freed at the end of the
  // thread) adds a few calls.
  EXPECT_GE(after.alloc_calls - before.alloc_calls, 100000u);
  EXPECT_LE(after.alloc_calls - before.alloc_calls, 100010u);
  EXPECT_GE(after.free_calls - before.free_calls, 100000u);
  EXPECT_LE(after.free_calls - before.free_calls, 100010u);
}

__attribute__((noinline)) void allocate_16mib(std::vector<void*>& keep) {
  for (int i = 0; i < 262144; ++i) {
    void* p = std::malloc(64);
    touch(p);
    keep.push_back(p);
  }
}

// The site whose leaf is in the function at `fn` (the one with most
// allocations: the next function in memory may have sites of its own).
template <class Fn>
const gops_heap_sampler_site* site_in(const std::vector<gops_heap_sampler_site>& sites, Fn* fn) {
  auto start = reinterpret_cast<std::uintptr_t>(fn);
  const gops_heap_sampler_site* best = nullptr;
  for (const auto& s : sites)
    if (s.depth > 0 && s.pcs[0] > start && s.pcs[0] < start + 256 && (!best || s.alloc_count > best->alloc_count))
      best = &s;
  return best;
}

std::vector<gops_heap_sampler_site> all_sites() {
  std::vector<gops_heap_sampler_site> sites(gops_heap_sampler_sites(nullptr, 0) + 64);
  sites.resize(gops_heap_sampler_sites(sites.data(), sites.size()));
  return sites;
}

TEST(HeapSampler, EstimatesALiveAmountAndForgetsItWhenFreed) {
  constexpr std::uint64_t kRate = 4096;  // ~4096 samples: 1.6% standard error
  gops_heap_sampler_set_rate(kRate);
  std::vector<void*> keep;
  keep.reserve(262144);
  allocate_16mib(keep);
  std::vector<gops_heap_sampler_site> sites = all_sites();
  const gops_heap_sampler_site* site = site_in(sites, allocate_16mib);
  ASSERT_NE(site, nullptr) << "no site whose leaf is in allocate_16mib, among " << sites.size();
  agent::ScaledPair inuse = agent::scale_heap_sample(site->inuse_count, site->inuse_bytes, kRate);
  const double truth = 16.0 * 1024 * 1024;
  EXPECT_NEAR(static_cast<double>(inuse.bytes), truth, 0.15 * truth) << site->inuse_count << " samples";
  EXPECT_NEAR(static_cast<double>(inuse.count), 262144.0, 0.15 * 262144.0);
  EXPECT_EQ(site->alloc_count, site->inuse_count);

  for (void* p : keep) std::free(p);
  sites = all_sites();
  site = site_in(sites, allocate_16mib);
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->inuse_count, 0u);
  EXPECT_EQ(site->inuse_bytes, 0u);
  EXPECT_GT(site->alloc_count, 0u) << "allocations since start stay";
  gops_heap_sampler_set_rate(512 * 1024);
}

__attribute__((noinline)) void allocate_many(std::vector<void*>& keep, int n) {
  std::uint32_t x = 2463534242u;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    // Mixed sizes: addresses that are no arithmetic progression, so that
    // the table's hash leaves collisions (long probe runs) to resolve.
    void* p = std::malloc(16 + x % 2000);
    touch(p);
    keep.push_back(p);
  }
}

TEST(HeapSampler, LiveTableForgetsEverySampleInAnyOrder) {
  // Every block sampled: 40000 live entries, the table 60% full, freed in a
  // shuffled order.
  gops_heap_sampler_status before{}, full{}, after{};
  gops_heap_sampler_get_status(&before);
  gops_heap_sampler_set_rate(1);
  std::vector<void*> keep;
  keep.reserve(40000);
  allocate_many(keep, 40000);
  gops_heap_sampler_set_rate(512 * 1024);
  gops_heap_sampler_get_status(&full);
  std::uint64_t x = 88172645463325252ull;
  for (std::size_t i = keep.size() - 1; i > 0; --i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::swap(keep[i], keep[x % (i + 1)]);
  }
  for (void* p : keep) std::free(p);
  gops_heap_sampler_get_status(&after);
  EXPECT_GE(full.live_samples, before.live_samples + 40000) << "every block sampled";
  EXPECT_EQ(full.dropped_samples, before.dropped_samples);
  EXPECT_LE(after.live_samples, before.live_samples + 4) << "every sample of the freed blocks forgotten";
  std::vector<gops_heap_sampler_site> sites = all_sites();
  const gops_heap_sampler_site* site = site_in(sites, allocate_many);
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->inuse_count, 0u);
  EXPECT_EQ(site->inuse_bytes, 0u);
  EXPECT_GE(site->alloc_count, 40000u);
}

// Every block sampled, through every allocation function: with glibc the
// sampled blocks are laid out differently (a mark before them), so each
// function must still keep its promise -- sizes, alignment, zeroing,
// contents across realloc -- and free() must find every one of them.
TEST(HeapSampler, SampledBlocksKeepEveryFunctionsPromise) {
  ASSERT_STREQ(gops_heap_sampler_free_check(), "mark") << "glibc without valgrind: free() looks for the mark";
  gops_heap_sampler_status before{}, during{}, after{};
  gops_heap_sampler_get_status(&before);
  gops_heap_sampler_set_rate(1);
  std::vector<void*> blocks;
  auto keep = [&](void* p, std::size_t size, std::size_t alignment) {
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignment, 0u) << "alignment " << alignment;
    EXPECT_GE(malloc_usable_size(p), size);
    std::memset(p, 0x5a, size);
    blocks.push_back(p);
  };
  keep(std::malloc(24), 24, 16);
  void* zeroed = std::calloc(100, 3);
  ASSERT_NE(zeroed, nullptr);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(static_cast<unsigned char*>(zeroed)[i], 0) << "calloc byte " << i;
  keep(zeroed, 300, 16);
  void* aligned = nullptr;
  ASSERT_EQ(posix_memalign(&aligned, 64, 1000), 0);
  keep(aligned, 1000, 64);
  EXPECT_EQ(posix_memalign(&aligned, 24, 8), EINVAL) << "not a power of two";
  keep(aligned_alloc(4096, 4096), 4096, 4096);
  keep(memalign(256, 10), 10, 256);
  keep(valloc(100), 100, 4096);
  keep(::operator new(48, std::align_val_t{128}), 48, 128);
  char* grown = static_cast<char*>(std::malloc(16));
  std::memcpy(grown, "0123456789abcde", 16);
  grown = static_cast<char*>(std::realloc(grown, 100000));
  ASSERT_NE(grown, nullptr);
  EXPECT_STREQ(grown, "0123456789abcde") << "realloc keeps the contents";
  grown = static_cast<char*>(reallocarray(grown, 4, 4));
  ASSERT_NE(grown, nullptr);
  EXPECT_STREQ(grown, "0123456789abcde") << "reallocarray keeps what fits";
  keep(grown, 16, 16);
  char* copy = strdup("sampled");
  EXPECT_STREQ(copy, "sampled");
  keep(copy, 8, 16);
  gops_heap_sampler_get_status(&during);
  gops_heap_sampler_set_rate(512 * 1024);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i == 6) ::operator delete(blocks[i], std::align_val_t{128});
    else std::free(blocks[i]);
  }
  std::free(std::realloc(nullptr, 0));
  gops_heap_sampler_get_status(&after);
  EXPECT_GE(during.live_samples, before.live_samples + blocks.size()) << "every block sampled";
  EXPECT_LE(after.live_samples, before.live_samples + 2) << "every sampled block found by free()";
}

TEST(HeapSampler, RateZeroStopsSampling) {
  gops_heap_sampler_set_rate(0);
  gops_heap_sampler_status before{}, after{};
  std::vector<void*> keep;
  keep.reserve(4096);
  // First crossing of the interval drawn at the old rate: not sampled.
  gops_heap_sampler_get_status(&before);
  for (int i = 0; i < 4096; ++i) {
    keep.push_back(std::malloc(16384));  // 64 MiB: well past any interval
    touch(keep.back());
  }
  gops_heap_sampler_get_status(&after);
  for (void* p : keep) std::free(p);
  gops_heap_sampler_set_rate(512 * 1024);
  EXPECT_EQ(after.rate, 0u);
  EXPECT_LE(after.live_samples, before.live_samples);
  EXPECT_EQ(after.sites, before.sites);
}

// The sampler walks stacks with libunwind, which defines the C++ ABI's
// unwinder and backtrace() under the same names as libgcc_s and libc:
// loaded privately, not linked, so that the program's exceptions keep
// libgcc's unwinder.
TEST(HeapSampler, ProgramKeepsItsOwnUnwinder) {
  EXPECT_TRUE(library_loaded("libunwind.so.8")) << "loaded when the sampler started";
  EXPECT_EQ(symbol_origin("_Unwind_RaiseException"), "libgcc_s.so.1");
  EXPECT_EQ(symbol_origin("_Unwind_Resume"), "libgcc_s.so.1");
  EXPECT_NE(symbol_origin("backtrace"), "libunwind.so.8");
  EXPECT_THROW(throw std::runtime_error("through libgcc"), std::runtime_error);
}

TEST(HeapScale, AsGoScalesHeapSamples) {
  // scale = 1 / (1 - exp(-avg/rate)): avg == rate gives 1/(1 - 1/e).
  agent::ScaledPair p = agent::scale_heap_sample(10, 10 * 524288, 524288);
  EXPECT_EQ(p.count, 15);                 // 10 * 1.58198
  EXPECT_EQ(p.bytes, 8294114);            // 5242880 * 1.58198
  p = agent::scale_heap_sample(1, 64, 524288);  // a small block stands for ~8192
  EXPECT_EQ(p.count, 8192);
  EXPECT_EQ(p.bytes, 524320);
  p = agent::scale_heap_sample(3, 300, 1);  // rate 1: every allocation sampled
  EXPECT_EQ(p.count, 3);
  EXPECT_EQ(p.bytes, 300);
  p = agent::scale_heap_sample(0, 0, 524288);
  EXPECT_EQ(p.count, 0);
}

}  // namespace
}  // namespace gops::test
