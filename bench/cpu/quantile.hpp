// The q-quantile (0..1) of a sample, interpolated between the two nearest
// ranks; 0 for an empty one. For the CPU benchmarks' medians and quartiles.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace gops::bench {

inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double at = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(at);
  std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

}  // namespace gops::bench
