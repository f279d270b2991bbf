// The sampling decision made on every allocation: a Poisson process on
// bytes (as Go's runtime: each thread draws an exponential interval with
// the configured mean; the allocation that crosses it is sampled, and the
// next interval is drawn afresh), plus the exact call counters. The fast
// path is inline here; the rest (capture, recording) is out of line.
#pragma once

#include <cstddef>
#include <cstdint>

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/thread_registry.hpp"
#include "heap_sampler/thread_state.hpp"

namespace gops::heap_sampler {

inline constexpr std::uint64_t kDefaultRate = 512 * 1024;

// Out of line: the allocation reaches the sampling point (or is the
// thread's first). True if it is to be sampled; the next interval is drawn.
GOPS_HS_HOOK_PATH bool reach_sampling_point(ThreadState& state, std::size_t size) noexcept;

// Captures the program's stack and records the sampled block `ptr`.
GOPS_HS_HOOK_PATH void record_allocation(ThreadState& state, void* ptr, std::size_t size) noexcept;

inline void count_call(ThreadState& state, int which) noexcept {
  if (state.registration == Registration::kOwn) [[likely]] {
    bump(which == 0 ? state.alloc_calls : which == 1 ? state.free_calls : state.realloc_calls);
  } else {
    count_slow(state, which);
  }
}

// Whether an allocation of `size` bytes is to be sampled: decided before it
// is made, so that a sampled block can be laid out differently.
inline bool crosses_sampling_point(ThreadState& state, std::size_t size) noexcept {
  if (static_cast<std::int64_t>(size) < state.bytes_until_sample) [[likely]] {
    state.bytes_until_sample -= static_cast<std::int64_t>(size);
    return false;
  }
  return reach_sampling_point(state, size);
}

// The malloc / operator new fast path's test: a plain call that stays short
// of the sampling point is counted and needs nothing else.
inline bool count_unsampled_alloc(ThreadState& state, std::size_t size) noexcept {
  if (is_plain_call(state) && static_cast<std::int64_t>(size) < state.bytes_until_sample) [[likely]] {
    bump(state.alloc_calls);
    state.bytes_until_sample -= static_cast<std::int64_t>(size);
    return true;
  }
  return false;
}

std::uint64_t sampling_rate() noexcept;
void set_sampling_rate(std::uint64_t bytes) noexcept;

}  // namespace gops::heap_sampler
