// The malloc in use, found at run time: jemalloc (mallctl), tcmalloc
// (gperftools' MallocExtension C API), a sanitizer's allocator, else glibc.
// Each reports its own statistics and returns free memory its own way.
// Not async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gops::agent {

struct AllocatorStats {
  std::string name;                                          // "glibc", "jemalloc", ...
  std::vector<std::pair<std::string, std::uint64_t>> bytes;  // shown as byte sizes
  std::vector<std::pair<std::string, std::uint64_t>> counts; // shown as plain numbers
};

AllocatorStats allocator_stats();

// Returns free memory to the system; the name of what was called.
std::string release_free_memory();

}  // namespace gops::agent
