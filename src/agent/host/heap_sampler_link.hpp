// The heap sampler (src/heap_sampler), found at run time: linked into the
// program (its API is in the dynamic symbol table) or preloaded. The agent
// never links it, so a program without it pays nothing. Not
// async-signal-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "heap_sampler/gops_heap_sampler.h"

namespace gops::agent {

struct HeapSampler {
  size_t (*sites)(gops_heap_sampler_site*, size_t);
  void (*total_counts)(gops_heap_sampler_counts*);
  size_t (*thread_counts)(gops_heap_sampler_thread*, size_t);
  void (*status)(gops_heap_sampler_status*);
  const char* (*free_check)();  // may be null (an older sampler)
};

// Everything a sampler table reader (`sites`, `thread_counts`: fill up to
// n entries, return how many there are) has, growing the buffer while the
// table grows under us.
template <class Entry>
std::vector<Entry> read_whole_table(std::size_t (*read)(Entry*, std::size_t), std::size_t initial) {
  std::vector<Entry> entries(initial);
  for (;;) {
    std::size_t total = read(entries.data(), entries.size());
    if (total <= entries.size()) {
      entries.resize(total);
      return entries;
    }
    entries.resize(total + total / 4);  // new entries may appear meanwhile
  }
}

// Empty when no sampler (of interface version 1) is in the process.
std::optional<HeapSampler> find_heap_sampler();

// memstats lines from the sampler: exact call counts (totals and the
// busiest threads), the rate and the tables' fill. Empty without it.
std::string heap_sampler_memstats();

// What pprof-heap and memstats say when there is none.
inline constexpr const char* kHeapSamplerMissing =
    "pprof-heap needs the heap sampler: link gops::heap_sampler into the program, or start it "
    "with LD_PRELOAD=/path/to/libgops_heap_sampler.so";

}  // namespace gops::agent
