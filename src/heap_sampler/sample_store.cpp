#include "heap_sampler/sample_store.hpp"

#include <cstring>

#include "heap_sampler/spin_lock.hpp"

namespace gops::heap_sampler {
namespace detail {
std::atomic<std::uint8_t> g_filter[kFilterSize];
}  // namespace detail

namespace {

using detail::g_filter;

// 8192 sites x 560 bytes, 64 Ki live samples x 24 bytes (at the default
// rate that is ~24 GiB live before samples are dropped).
constexpr std::size_t kMaxSites = 8192;
constexpr std::size_t kSiteIndexSize = 2 * kMaxSites;
constexpr std::size_t kLiveSize = 1 << 16;
constexpr std::size_t kLiveMax = kLiveSize / 4 * 3;
constexpr std::uint8_t kFilterStuck = 255;  // saturated: never decremented again

struct Site {
  std::uint64_t hash;
  gops_heap_sampler_site data;
};

struct Live {
  std::uintptr_t ptr;  // 0: empty slot
  std::uint64_t size;
  std::uint32_t site;
};

SpinLock g_lock;
Site g_sites[kMaxSites];
std::size_t g_site_count = 0;
std::uint32_t g_site_index[kSiteIndexSize];  // site number + 1; 0: empty
Live g_live[kLiveSize];
std::size_t g_live_count = 0;
std::uint64_t g_dropped = 0;

std::uint64_t hash_stack(const std::uintptr_t* pcs, std::uint32_t depth) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ depth;
  for (std::uint32_t i = 0; i < depth; ++i) {
    h ^= pcs[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
}

std::size_t live_home(std::uintptr_t ptr) {
  return static_cast<std::size_t>((ptr * 0xC2B2AE3D27D4EB4Full) >> 48) & (kLiveSize - 1);
}

// Under g_lock. The site for this stack, added if new; kMaxSites if full.
std::uint32_t site_for(const std::uintptr_t* pcs, std::uint32_t depth) {
  std::uint64_t h = hash_stack(pcs, depth);
  for (std::size_t i = h % kSiteIndexSize;; i = (i + 1) % kSiteIndexSize) {
    std::uint32_t entry = g_site_index[i];
    if (entry == 0) {
      if (g_site_count == kMaxSites) return kMaxSites;
      auto n = static_cast<std::uint32_t>(g_site_count++);
      Site& site = g_sites[n];
      site.hash = h;
      site.data.depth = depth;
      std::memcpy(site.data.pcs, pcs, depth * sizeof *pcs);
      g_site_index[i] = n + 1;
      return n;
    }
    const Site& site = g_sites[entry - 1];
    if (site.hash == h && site.data.depth == depth && std::memcmp(site.data.pcs, pcs, depth * sizeof *pcs) == 0)
      return entry - 1;
  }
}

// Under g_lock. Linear probing with backward-shift deletion (no tombstones).
// False if `ptr` was there already (freed behind our back, e.g. by a libc
// function we do not see): the stale entry is replaced.
bool live_insert(std::uintptr_t ptr, std::uint64_t size, std::uint32_t site) {
  std::size_t i = live_home(ptr);
  while (g_live[i].ptr != 0 && g_live[i].ptr != ptr) i = (i + 1) & (kLiveSize - 1);
  bool fresh = g_live[i].ptr == 0;
  if (fresh) {
    ++g_live_count;
  } else {
    gops_heap_sampler_site& stale = g_sites[g_live[i].site].data;
    --stale.inuse_count;
    stale.inuse_bytes -= g_live[i].size;
  }
  g_live[i] = {ptr, size, site};
  return fresh;
}

bool live_remove(std::uintptr_t ptr, Live& removed) {
  std::size_t i = live_home(ptr);
  while (g_live[i].ptr != ptr) {
    if (g_live[i].ptr == 0) return false;
    i = (i + 1) & (kLiveSize - 1);
  }
  removed = g_live[i];
  // Move later entries of the same probe run back into the hole.
  for (std::size_t j = (i + 1) & (kLiveSize - 1); g_live[j].ptr != 0; j = (j + 1) & (kLiveSize - 1)) {
    std::size_t home = live_home(g_live[j].ptr);
    bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (between) continue;  // already as close to home as it can be
    g_live[i] = g_live[j];
    i = j;
  }
  g_live[i] = {};
  --g_live_count;
  return true;
}

}  // namespace

void record_sample(void* ptr, std::uint64_t size, const std::uintptr_t* pcs, std::uint32_t depth) noexcept {
  auto p = reinterpret_cast<std::uintptr_t>(ptr);
  SpinGuard guard(g_lock);
  std::uint32_t n = site_for(pcs, depth);
  if (n == kMaxSites || g_live_count >= kLiveMax) {
    ++g_dropped;
    return;
  }
  gops_heap_sampler_site& site = g_sites[n].data;
  ++site.alloc_count;
  site.alloc_bytes += size;
  ++site.inuse_count;
  site.inuse_bytes += size;
  if (!live_insert(p, size, n)) return;  // its filter count is already there
  std::atomic<std::uint8_t>& filter = g_filter[detail::filter_index(ptr)];
  std::uint8_t f = filter.load(std::memory_order_relaxed);
  if (f != kFilterStuck) filter.store(static_cast<std::uint8_t>(f + 1), std::memory_order_relaxed);
}

namespace detail {

void forget_slow(void* ptr) noexcept {
  SpinGuard guard(g_lock);
  Live removed{};
  if (!live_remove(reinterpret_cast<std::uintptr_t>(ptr), removed)) return;  // a filter false positive
  gops_heap_sampler_site& site = g_sites[removed.site].data;
  --site.inuse_count;
  site.inuse_bytes -= removed.size;
  std::atomic<std::uint8_t>& filter = g_filter[filter_index(ptr)];
  std::uint8_t f = filter.load(std::memory_order_relaxed);
  if (f != kFilterStuck) filter.store(static_cast<std::uint8_t>(f - 1), std::memory_order_relaxed);
}

}  // namespace detail

std::size_t copy_sites(gops_heap_sampler_site* out, std::size_t capacity) noexcept {
  SpinGuard guard(g_lock);
  for (std::size_t i = 0; i < g_site_count && i < capacity; ++i) out[i] = g_sites[i].data;
  return g_site_count;
}

void store_status(gops_heap_sampler_status& out) noexcept {
  SpinGuard guard(g_lock);
  out.live_samples = g_live_count;
  out.dropped_samples = g_dropped;
  out.sites = g_site_count;
}

void store_before_fork() noexcept { g_lock.lock(); }
void store_after_fork() noexcept { g_lock.unlock(); }

}  // namespace gops::heap_sampler
