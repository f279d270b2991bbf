// Where samples live: a table of distinct stacks (call sites) with their
// sampled totals, and a table of the sampled allocations not freed yet
// (pointer -> size, site). Both fixed-size static arrays: no allocation,
// bounded memory (about 6 MiB of address space, touched as it fills). A
// sample that finds a table full is counted as dropped.
//
// free() of an unsampled pointer must stay cheap: a counting filter indexed
// by a hash of the pointer says "certainly not sampled" with one load and
// no lock; only a hit takes the lock and looks in the table.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "heap_sampler/gops_heap_sampler.h"

namespace gops::heap_sampler {

// Records a sampled allocation of `size` bytes at `ptr`, made from the stack
// `pcs` (leaf first). Async-signal-unsafe (takes the store lock).
void record_sample(void* ptr, std::uint64_t size, const std::uintptr_t* pcs, std::uint32_t depth) noexcept;

namespace detail {
inline constexpr std::size_t kFilterSize = 1 << 16;
extern std::atomic<std::uint8_t> g_filter[kFilterSize];
inline std::size_t filter_index(const void* ptr) noexcept {
  auto a = reinterpret_cast<std::uintptr_t>(ptr);
  return static_cast<std::size_t>(((a >> 4) * 0x9E3779B97F4A7C15ull) >> 48);
}
void forget_slow(void* ptr) noexcept;
}  // namespace detail

// False: `ptr` is certainly not a sampled allocation (one load, no lock).
inline bool maybe_sampled(const void* ptr) noexcept {
  return detail::g_filter[detail::filter_index(ptr)].load(std::memory_order_relaxed) != 0;
}

// Called before `ptr` goes back to the allocator (before, so that a reuse of
// the address by another thread cannot be confused with it).
inline void forget(void* ptr) noexcept {
  if (maybe_sampled(ptr)) [[unlikely]]
    detail::forget_slow(ptr);
}

std::size_t copy_sites(gops_heap_sampler_site* out, std::size_t capacity) noexcept;
void store_status(gops_heap_sampler_status& out) noexcept;

void store_before_fork() noexcept;
void store_after_fork() noexcept;

}  // namespace gops::heap_sampler
