// profile.proto (github.com/google/pprof, proto/profile.proto) as plain
// tables, and their protobuf encoding with protozero. Strings are indices
// into the string table, whose entry 0 is "". Not async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gops::pprof::proto {

class StringTable {
 public:
  StringTable() : strings_{""} {}
  std::int64_t intern(std::string_view text);
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::int64_t> index_;
};

struct ValueType {
  std::int64_t type = 0;
  std::int64_t unit = 0;
};

struct Sample {
  std::vector<std::uint64_t> location_ids;  // leaf first
  std::vector<std::int64_t> values;
};

struct Mapping {
  std::uint64_t id = 0;
  std::uint64_t memory_start = 0;
  std::uint64_t memory_limit = 0;
  std::uint64_t file_offset = 0;
  std::int64_t filename = 0;
  std::int64_t build_id = 0;
  bool symbolized = false;  // has_functions, _filenames, _line_numbers, _inline_frames
};

struct Line {
  std::uint64_t function_id = 0;
  std::int64_t line = 0;
};

struct Location {
  std::uint64_t id = 0;
  std::uint64_t mapping_id = 0;
  std::uint64_t address = 0;
  std::vector<Line> lines;  // innermost (inlined) first
};

struct Function {
  std::uint64_t id = 0;
  std::int64_t name = 0;
  std::int64_t system_name = 0;
  std::int64_t filename = 0;
  std::int64_t start_line = 0;
};

struct Profile {
  std::vector<ValueType> sample_types;
  std::vector<Sample> samples;
  std::vector<Mapping> mappings;
  std::vector<Location> locations;
  std::vector<Function> functions;
  StringTable strings;
  std::int64_t time_nanos = 0;
  std::int64_t duration_nanos = 0;
  ValueType period_type;
  std::int64_t period = 0;
  std::vector<std::int64_t> comments;
  std::int64_t default_sample_type = 0;
};

// The uncompressed protobuf bytes.
std::string encode(const Profile& profile);

}  // namespace gops::pprof::proto
