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

// Out of line: crossing the sampling point, or the thread's first call.
// Captures the stack and records `ptr` if it is sampled.
GOPS_HS_HOOK_PATH void sample_point(ThreadState& state, void* ptr, std::size_t size) noexcept;

inline void count_call(ThreadState& state, int which) noexcept {
  if (state.registration == Registration::kOwn) [[likely]] {
    bump(which == 0 ? state.alloc_calls : which == 1 ? state.free_calls : state.realloc_calls);
  } else {
    count_slow(state, which);
  }
}

// After the real allocator returned `ptr` for a request of `size` bytes.
inline void after_alloc(ThreadState& state, void* ptr, std::size_t size) noexcept {
  if (static_cast<std::int64_t>(size) < state.bytes_until_sample) [[likely]] {
    state.bytes_until_sample -= static_cast<std::int64_t>(size);
  } else {
    sample_point(state, ptr, size);
  }
}

std::uint64_t sampling_rate() noexcept;
void set_sampling_rate(std::uint64_t bytes) noexcept;

}  // namespace gops::heap_sampler
