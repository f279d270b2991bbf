#include "agent/commands/heap_snapshot.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <span>

#include "agent/commands/heap_scale.hpp"
#include "agent/commands/thread_profiles.hpp"
#include "agent/host/heap_sampler_link.hpp"
#include "pprof/profile_builder.hpp"

namespace gops::agent {
namespace {

using Values = std::array<std::int64_t, 4>;  // alloc_objects, alloc_space, inuse_objects, inuse_space

// pcs[0] is the return address of the call to malloc: step back into the
// call itself, as the builder does for the callers' frames.
std::vector<std::uintptr_t> site_stack(const gops_heap_sampler_site& site) {
  std::uint32_t depth = std::min<std::uint32_t>(site.depth, GOPS_HEAP_SAMPLER_MAX_FRAMES);
  std::vector<std::uintptr_t> pcs(site.pcs, site.pcs + depth);
  if (!pcs.empty()) pcs[0] -= 1;
  return pcs;
}

Values scaled(const gops_heap_sampler_site& site, std::uint64_t rate) {
  ScaledPair alloc = scale_heap_sample(site.alloc_count, site.alloc_bytes, rate);
  ScaledPair inuse = scale_heap_sample(site.inuse_count, site.inuse_bytes, rate);
  return {alloc.count, alloc.bytes, inuse.count, inuse.bytes};
}

std::map<std::vector<std::uintptr_t>, Values> scaled_by_stack(const HeapSnapshot& s, int sign) {
  std::map<std::vector<std::uintptr_t>, Values> out;
  for (const gops_heap_sampler_site& site : s.sites) {
    Values v = scaled(site, s.rate);
    Values& sum = out[site_stack(site)];
    for (std::size_t i = 0; i < v.size(); ++i) sum[i] += sign * v[i];
  }
  return out;
}

std::int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<HeapSnapshot> take_heap_snapshot() {
  std::optional<HeapSampler> sampler = find_heap_sampler();
  if (!sampler) return Error{kHeapSamplerMissing};
  HeapSnapshot s;
  gops_heap_sampler_status status{};
  sampler->status(&status);
  s.rate = status.rate;
  s.time_nanos = now_nanos();
  s.sites = read_whole_table(sampler->sites, 256);
  return s;
}

std::size_t heap_site_count() {
  std::optional<HeapSampler> sampler = find_heap_sampler();
  if (!sampler) return 0;
  gops_heap_sampler_status status{};
  sampler->status(&status);
  return static_cast<std::size_t>(status.sites);
}

Result<std::string> heap_profile_proto(const HeapSnapshot& snapshot, const HeapProfileOptions& options) {
  pprof::ProfileSpec spec;
  spec.sample_types = {{"alloc_objects", "count"}, {"alloc_space", "bytes"},
                       {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  spec.period_type = {"space", "bytes"};
  spec.period = static_cast<std::int64_t>(snapshot.rate);
  spec.time_nanos = snapshot.time_nanos;
  spec.default_sample_type = options.default_sample_type;
  auto by_stack = scaled_by_stack(snapshot, 1);
  if (options.base != nullptr) {
    // Go subtracts the scaled values, site by site, and drops what is zero.
    spec.duration_nanos = snapshot.time_nanos - options.base->time_nanos;
    for (const auto& [stack, v] : scaled_by_stack(*options.base, -1)) {
      Values& sum = by_stack[stack];
      for (std::size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
    }
    std::erase_if(by_stack, [](const auto& e) {
      return std::all_of(e.second.begin(), e.second.end(), [](std::int64_t x) { return x == 0; });
    });
  }
  pprof::ProfileBuilder builder(std::move(spec));
  for (const auto& [stack, v] : by_stack) builder.add_sample(stack, v);
  return builder.build_gzipped();
}

std::string heap_profile_text(const HeapSnapshot& snapshot, const std::string& memstats) {
  // Unscaled, as Go's text shows its records; the biggest in use first.
  std::vector<const gops_heap_sampler_site*> sites;
  gops_heap_sampler_site total{};
  for (const gops_heap_sampler_site& s : snapshot.sites) {
    sites.push_back(&s);
    total.inuse_count += s.inuse_count;
    total.inuse_bytes += s.inuse_bytes;
    total.alloc_count += s.alloc_count;
    total.alloc_bytes += s.alloc_bytes;
  }
  std::stable_sort(sites.begin(), sites.end(), [](auto* a, auto* b) { return a->inuse_bytes > b->inuse_bytes; });
  auto counts = [](const gops_heap_sampler_site& s) {
    return std::to_string(s.inuse_count) + ": " + std::to_string(s.inuse_bytes) + " [" +
           std::to_string(s.alloc_count) + ": " + std::to_string(s.alloc_bytes) + "]";
  };
  std::string out = "heap profile: " + counts(total) + " @ heap/" + std::to_string(2 * snapshot.rate) + "\n";
  for (const gops_heap_sampler_site* s : sites) {
    std::uint32_t depth = std::min<std::uint32_t>(s->depth, GOPS_HEAP_SAMPLER_MAX_FRAMES);
    std::vector<std::uintptr_t> pcs(s->pcs, s->pcs + depth);
    out += counts(*s) + " @";
    for (std::uintptr_t pc : pcs) {
      char buf[24];
      std::snprintf(buf, sizeof buf, " %#zx", static_cast<std::size_t>(pc));
      out += buf;
    }
    out += "\n" + legacy_stack_lines(pcs, true);
  }
  out += "\n# memstats\n";
  std::size_t at = 0;
  while (at < memstats.size()) {
    std::size_t nl = memstats.find('\n', at);
    if (nl == std::string::npos) nl = memstats.size();
    out += "# " + memstats.substr(at, nl - at) + "\n";
    at = nl + 1;
  }
  return out;
}

}  // namespace gops::agent
