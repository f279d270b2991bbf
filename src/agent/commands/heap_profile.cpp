// pprof-heap (0x05) for a C++ process: the heap sampler's call sites as a
// pprof profile with Go's four sample types (alloc_objects, alloc_space,
// inuse_objects, inuse_space), scaled as Go scales them, period = the
// sampling interval. Without the sampler: one sentence on how to enable it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "agent/commands/commands.hpp"
#include "agent/commands/heap_scale.hpp"
#include "agent/host/heap_sampler_link.hpp"
#include "pprof/profile_builder.hpp"

namespace gops::agent {
namespace {

pprof::ProfileSpec heap_spec(std::uint64_t rate) {
  pprof::ProfileSpec spec;
  spec.sample_types = {{"alloc_objects", "count"}, {"alloc_space", "bytes"},
                       {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  spec.period_type = {"space", "bytes"};
  spec.period = static_cast<std::int64_t>(rate);
  spec.time_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  spec.default_sample_type = "inuse_space";
  return spec;
}

}  // namespace

Result<std::string> heap_profile_reply() {
  std::optional<HeapSampler> sampler = find_heap_sampler();
  if (!sampler) return Error{kHeapSamplerMissing};
  gops_heap_sampler_status status{};
  sampler->status(&status);
  std::vector<gops_heap_sampler_site> sites = read_whole_table(sampler->sites, 256);

  pprof::ProfileBuilder builder(heap_spec(status.rate));
  for (const gops_heap_sampler_site& site : sites) {
    ScaledPair alloc = scale_heap_sample(site.alloc_count, site.alloc_bytes, status.rate);
    ScaledPair inuse = scale_heap_sample(site.inuse_count, site.inuse_bytes, status.rate);
    const std::int64_t values[] = {alloc.count, alloc.bytes, inuse.count, inuse.bytes};
    // pcs[0] is the return address of the call to malloc: step back into
    // the call itself, as the builder does for the callers' frames.
    std::uintptr_t pcs[GOPS_HEAP_SAMPLER_MAX_FRAMES];
    std::uint32_t depth = site.depth < GOPS_HEAP_SAMPLER_MAX_FRAMES ? site.depth : GOPS_HEAP_SAMPLER_MAX_FRAMES;
    std::copy(site.pcs, site.pcs + depth, pcs);
    if (depth > 0) pcs[0] -= 1;
    builder.add_sample(std::span<const std::uintptr_t>(pcs, depth), values);
  }
  Result<std::string> profile = builder.build_gzipped();
  if (!profile) return Error{"pprof-heap failed: " + profile.message()};
  return profile;
}

}  // namespace gops::agent
