// Builds a pprof profile (profile.proto, gzipped) from raw stacks captured in
// this process. Shared by the CPU profiler and the heap sampler.
//
// Addresses are symbolized in-process when the profile is built (mappings from
// /proc/self/maps with their build IDs; functions demangled, file:line and
// inlined frames from DWARF), so `go tool pprof` needs neither the binary nor
// debug files on the reading side. Not async-signal-safe: call it from a
// normal thread after the samples were collected.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace gops::pprof {

struct ValueType {
  std::string type;  // "cpu", "samples", "alloc_space", ...
  std::string unit;  // "nanoseconds", "count", "bytes"
};

struct ProfileSpec {
  std::vector<ValueType> sample_types;
  ValueType period_type;
  std::int64_t period = 0;
  std::int64_t time_nanos = 0;      // wall-clock start, Unix ns
  std::int64_t duration_nanos = 0;
  std::string default_sample_type;  // optional, e.g. "inuse_space"
  std::vector<std::string> comments;  // shown by `go tool pprof -comments`
};

class ProfileBuilder {
 public:
  explicit ProfileBuilder(ProfileSpec spec);
  ~ProfileBuilder();
  ProfileBuilder(const ProfileBuilder&) = delete;
  ProfileBuilder& operator=(const ProfileBuilder&) = delete;

  // One sample: `pcs` as captured, leaf first (return addresses for all but
  // the leaf; the builder looks up pc-1 for those), `values` one per sample
  // type. Identical stacks are merged by adding values. A sample whose
  // value count differs from the sample types is dropped (and counted in a
  // comment of the profile).
  void add_sample(std::span<const std::uintptr_t> pcs, std::span<const std::int64_t> values);

  // Distinct stacks so far.
  std::size_t stack_count() const;

  // For a profile whose length or notes are known only at its end.
  void set_duration_nanos(std::int64_t nanos);
  void add_comment(std::string comment);

  // Symbolizes, encodes and gzips the profile. May be called again (after
  // more samples); each call reads the mappings anew.
  Result<std::string> build_gzipped();

  // The same without gzip: the profile.proto bytes (for tests and tools).
  std::string build_uncompressed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gops::pprof
