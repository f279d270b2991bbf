// The allocator the program would use without us: the next definition of
// each function after ours in the symbol search order (glibc, jemalloc or
// tcmalloc), found with dlsym(RTLD_NEXT). dlsym itself may allocate while we
// look it up: those calls are served from a static buffer that is never
// handed to the real allocator.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gops::heap_sampler {

// noexcept: the hooks (noexcept as glibc declares them) tail-call these.
struct RealAllocator {
  void* (*malloc)(std::size_t) noexcept;
  void (*free)(void*) noexcept;
  void* (*calloc)(std::size_t, std::size_t) noexcept;
  void* (*realloc)(void*, std::size_t) noexcept;
  int (*posix_memalign)(void**, std::size_t, std::size_t) noexcept;
  void* (*aligned_alloc)(std::size_t, std::size_t) noexcept;  // may be null: emulated
  void* (*memalign)(std::size_t, std::size_t) noexcept;       // may be null: emulated
  void* (*valloc)(std::size_t) noexcept;                      // may be null: emulated
  void* (*pvalloc)(std::size_t) noexcept;                     // null: always emulated
  std::size_t (*malloc_usable_size)(void*) noexcept;          // may be null
};

namespace detail {
inline constexpr std::size_t kBootstrapBytes = 64 * 1024;
extern unsigned char g_bootstrap[kBootstrapBytes];
extern RealAllocator g_real;
extern std::atomic<bool> g_resolved;
void resolve();
}  // namespace detail

// For the hooks' fast paths: the real malloc and free, no check needed (until
// resolved they point at stubs that resolve first). A plain load, which the
// call can take as its operand: each pointer is one aligned word, stored
// once by resolve() with an atomic store, so a reader sees the stub or the
// real function, and both work.
inline auto next_malloc() { return detail::g_real.malloc; }
inline auto next_free() { return detail::g_real.free; }

// Resolved on first use, from any thread, before or after static
// initialisation. Async-signal-safe once resolved. Inline: on every call.
inline const RealAllocator& real() {
  if (!detail::g_resolved.load(std::memory_order_acquire)) [[unlikely]]
    detail::resolve();
  return detail::g_real;
}

// Whether `p` came from the bootstrap buffer (then it is never freed).
inline bool is_bootstrap(const void* p) {
  auto a = reinterpret_cast<std::uintptr_t>(p), base = reinterpret_cast<std::uintptr_t>(detail::g_bootstrap);
  return a - base < detail::kBootstrapBytes;  // one compare: below base wraps around
}
std::size_t bootstrap_size(const void* p);

// While this thread resolves the real functions, allocations must be served
// from the bootstrap buffer: the hooks ask this first.
bool resolving_on_this_thread();
void* bootstrap_alloc(std::size_t size, std::size_t alignment);

}  // namespace gops::heap_sampler
