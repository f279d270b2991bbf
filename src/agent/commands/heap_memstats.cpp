// The sampler's part of memstats: `key: value` lines after the allocator's.
#include <algorithm>
#include <vector>

#include "agent/commands/byte_size.hpp"
#include "agent/host/heap_sampler_link.hpp"

namespace gops::agent {
namespace {

constexpr std::size_t kThreadsShown = 16;  // the busiest; the rest are in the totals

std::string counts_text(const gops_heap_sampler_counts& c) {
  return "alloc-calls " + std::to_string(c.alloc_calls) + ", free-calls " + std::to_string(c.free_calls) +
         ", realloc-calls " + std::to_string(c.realloc_calls);
}

}  // namespace

std::string heap_sampler_memstats() {
  std::optional<HeapSampler> sampler = find_heap_sampler();
  if (!sampler) return {};
  gops_heap_sampler_counts totals{};
  sampler->total_counts(&totals);
  gops_heap_sampler_status status{};
  sampler->status(&status);
  std::vector<gops_heap_sampler_thread> threads = read_whole_table(sampler->thread_counts, 64);

  std::string out;
  out += "heap-sampler-alloc-calls: " + std::to_string(totals.alloc_calls) + "\n";
  out += "heap-sampler-free-calls: " + std::to_string(totals.free_calls) + "\n";
  out += "heap-sampler-realloc-calls: " + std::to_string(totals.realloc_calls) + "\n";
  out += "heap-sampler-rate: " + format_bytes(status.rate) + "\n";
  out += "heap-sampler-live-samples: " + std::to_string(status.live_samples) + "\n";
  out += "heap-sampler-dropped-samples: " + std::to_string(status.dropped_samples) + "\n";
  out += "heap-sampler-sites: " + std::to_string(status.sites) + "\n";
  out += "heap-sampler-threads: " + std::to_string(threads.size()) + "\n";
  if (sampler->free_check) out += std::string("heap-sampler-free-check: ") + sampler->free_check() + "\n";
  std::size_t shown = std::min(threads.size(), kThreadsShown);
  std::partial_sort(threads.begin(), threads.begin() + static_cast<std::ptrdiff_t>(shown), threads.end(),
                    [](const auto& a, const auto& b) { return a.counts.alloc_calls > b.counts.alloc_calls; });
  for (std::size_t i = 0; i < shown; ++i)
    out += "heap-sampler-thread-" + std::to_string(threads[i].tid) + ": " + counts_text(threads[i].counts) + "\n";
  return out;
}

}  // namespace gops::agent
