// Turns sampled totals into estimates of the real ones, as Go's runtime/pprof
// does for its heap profile (scaleHeapSample): an allocation of s bytes is
// sampled with probability 1 - exp(-s/rate), so each sample stands for
// 1 / (1 - exp(-avg/rate)) allocations, avg being the site's mean size.
#pragma once

#include <cmath>
#include <cstdint>

namespace gops::agent {

struct ScaledPair {
  std::int64_t count = 0;
  std::int64_t bytes = 0;
};

inline ScaledPair scale_heap_sample(std::uint64_t count, std::uint64_t bytes, std::uint64_t rate) {
  if (count == 0 || bytes == 0) return {};
  if (rate <= 1) return {static_cast<std::int64_t>(count), static_cast<std::int64_t>(bytes)};
  double average = static_cast<double>(bytes) / static_cast<double>(count);
  double scale = 1 / (1 - std::exp(-average / static_cast<double>(rate)));
  return {static_cast<std::int64_t>(static_cast<double>(count) * scale),
          static_cast<std::int64_t>(static_cast<double>(bytes) * scale)};
}

}  // namespace gops::agent
