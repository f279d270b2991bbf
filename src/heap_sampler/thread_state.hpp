// What each thread keeps for the hooks: its exact call counters and its
// distance to the next sample. Initial-exec TLS, zero-initialised, no
// constructor: usable from the first allocation of a thread, before the
// library's own initialisation, and without the allocator (a dynamic TLS
// block would be allocated with malloc).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gops::heap_sampler {

enum class Registration : std::uint8_t {
  kNew = 0,     // first call on this thread not seen yet
  kOwn = 1,     // counts in its own fields, listed in the registry
  kShared = 2,  // registry full or not ready: counts go to the shared totals
  kRetired = 3, // thread exiting: its own counts were folded into the totals
};

struct ThreadState {
  // Bytes still to allocate before the next sample; <= 0 also means "not
  // set up yet" (the slow path draws the first interval).
  std::int64_t bytes_until_sample;
  // Written only by the owning thread, with a plain add to memory (one
  // instruction, no lock prefix); read by other threads through
  // read_count(). An aligned 8-byte store is one access on the targets we
  // build for (x86-64, aarch64): a reader sees the old or the new count.
  std::uint64_t alloc_calls;
  std::uint64_t free_calls;
  std::uint64_t realloc_calls;
  std::uint64_t rng;
  std::int32_t tid;
  Registration registration;
  bool in_hook;       // recursion guard: set while the sampler itself runs
  bool tagged_frees;  // free() may look for the sampled-block mark (tagged_block.hpp)
  std::uint8_t unused;
};

extern constinit thread_local ThreadState t_state [[gnu::tls_model("initial-exec")]];

static_assert(offsetof(ThreadState, in_hook) == offsetof(ThreadState, registration) + 1);
static_assert(offsetof(ThreadState, tagged_frees) == offsetof(ThreadState, registration) + 2);
static_assert(offsetof(ThreadState, unused) == offsetof(ThreadState, registration) + 3);
static_assert(std::endian::native == std::endian::little);

// The common case, in one compare of the two adjacent bytes: the thread
// counts into its own fields and is not inside the sampler.
inline bool is_plain_call(const ThreadState& state) noexcept {
  std::uint16_t both = 0;
  std::memcpy(&both, reinterpret_cast<const unsigned char*>(&state) + offsetof(ThreadState, registration), 2);
  return both == static_cast<std::uint16_t>(Registration::kOwn);  // in_hook (high byte) false
}

// free()'s common case, in one compare of four bytes: a plain call on a
// thread that already knows sampled blocks carry the mark.
inline bool is_plain_tagged_free(const ThreadState& state) noexcept {
  std::uint32_t all = 0;
  std::memcpy(&all, reinterpret_cast<const unsigned char*>(&state) + offsetof(ThreadState, registration), 4);
  return all == (static_cast<std::uint32_t>(Registration::kOwn) | 1u << 16);
}

inline void bump(std::uint64_t& counter) noexcept { ++counter; }

// Another thread's counter (see ThreadState).
inline std::uint64_t read_count(const std::uint64_t& counter) noexcept {
  return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}

}  // namespace gops::heap_sampler
