#include "pprof/profile_encoder.hpp"

#include <protozero/pbf_writer.hpp>

namespace gops::pprof::proto {
namespace {

// Field numbers of profile.proto.
enum ProfileField : protozero::pbf_tag_type {
  kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5, kStringTable = 6,
  kTimeNanos = 9, kDurationNanos = 10, kPeriodType = 11, kPeriod = 12, kComment = 13, kDefaultSampleType = 14,
};

void write_value_type(protozero::pbf_writer& parent, protozero::pbf_tag_type tag, const ValueType& v) {
  protozero::pbf_writer m(parent, tag);
  m.add_int64(1, v.type);
  m.add_int64(2, v.unit);
}

void write_sample(protozero::pbf_writer& parent, const Sample& s) {
  protozero::pbf_writer m(parent, kSample);
  m.add_packed_uint64(1, s.location_ids.begin(), s.location_ids.end());
  m.add_packed_int64(2, s.values.begin(), s.values.end());
}

void write_mapping(protozero::pbf_writer& parent, const Mapping& mapping) {
  protozero::pbf_writer m(parent, kMapping);
  m.add_uint64(1, mapping.id);
  m.add_uint64(2, mapping.memory_start);
  m.add_uint64(3, mapping.memory_limit);
  m.add_uint64(4, mapping.file_offset);
  m.add_int64(5, mapping.filename);
  m.add_int64(6, mapping.build_id);
  for (protozero::pbf_tag_type flag = 7; flag <= 10; ++flag) m.add_bool(flag, mapping.symbolized);
}

void write_location(protozero::pbf_writer& parent, const Location& location) {
  protozero::pbf_writer m(parent, kLocation);
  m.add_uint64(1, location.id);
  m.add_uint64(2, location.mapping_id);
  m.add_uint64(3, location.address);
  for (const Line& line : location.lines) {
    protozero::pbf_writer l(m, 4);
    l.add_uint64(1, line.function_id);
    l.add_int64(2, line.line);
  }
}

void write_function(protozero::pbf_writer& parent, const Function& function) {
  protozero::pbf_writer m(parent, kFunction);
  m.add_uint64(1, function.id);
  m.add_int64(2, function.name);
  m.add_int64(3, function.system_name);
  m.add_int64(4, function.filename);
  m.add_int64(5, function.start_line);
}

}  // namespace

std::int64_t StringTable::intern(std::string_view text) {
  if (text.empty()) return 0;
  auto [it, inserted] = index_.try_emplace(std::string(text), static_cast<std::int64_t>(strings_.size()));
  if (inserted) strings_.emplace_back(text);
  return it->second;
}

std::string encode(const Profile& profile) {
  std::string out;
  protozero::pbf_writer w(out);
  for (const ValueType& v : profile.sample_types) write_value_type(w, kSampleType, v);
  for (const Sample& s : profile.samples) write_sample(w, s);
  for (const Mapping& m : profile.mappings) write_mapping(w, m);
  for (const Location& l : profile.locations) write_location(w, l);
  for (const Function& f : profile.functions) write_function(w, f);
  for (const std::string& s : profile.strings.strings()) w.add_string(kStringTable, s);
  w.add_int64(kTimeNanos, profile.time_nanos);
  w.add_int64(kDurationNanos, profile.duration_nanos);
  write_value_type(w, kPeriodType, profile.period_type);
  w.add_int64(kPeriod, profile.period);
  for (std::int64_t c : profile.comments) w.add_int64(kComment, c);
  if (profile.default_sample_type != 0) w.add_int64(kDefaultSampleType, profile.default_sample_type);
  return out;
}

}  // namespace gops::pprof::proto
