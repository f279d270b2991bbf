// The heap sampler's call sites at one moment, and the profiles made of
// them: the pprof profile of pprof-heap and of /debug/pprof/heap and
// /allocs (Go's four sample types, scaled as Go scales them), the delta
// between two snapshots (?seconds=N, as Go's delta profiles), and Go's
// legacy text (?debug=1). Not async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "heap_sampler/gops_heap_sampler.h"

namespace gops::agent {

struct HeapSnapshot {
  std::uint64_t rate = 0;  // mean sampling interval in bytes
  std::int64_t time_nanos = 0;
  std::vector<gops_heap_sampler_site> sites;
};

// An error (the one-line how-to) when no heap sampler is in the process.
Result<HeapSnapshot> take_heap_snapshot();

// How many sites the sampler has recorded; 0 without one.
std::size_t heap_site_count();

struct HeapProfileOptions {
  const char* default_sample_type = "inuse_space";  // "alloc_space" for /allocs
  const HeapSnapshot* base = nullptr;  // subtract this earlier snapshot (a delta)
};

// Gzipped pprof.
Result<std::string> heap_profile_proto(const HeapSnapshot& snapshot, const HeapProfileOptions& options = {});

// Go's debug=1 text ("heap profile: ..." with each site's stack), then the
// memstats lines as comments, as Go appends runtime.MemStats.
std::string heap_profile_text(const HeapSnapshot& snapshot, const std::string& memstats);

}  // namespace gops::agent
