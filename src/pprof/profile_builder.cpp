#include "pprof/profile_builder.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "pprof/gzip.hpp"
#include "pprof/mappings.hpp"
#include "pprof/profile_encoder.hpp"
#include "symbolize/in_process.hpp"

namespace gops::pprof {
namespace {

struct StackHash {
  std::size_t operator()(const std::vector<std::uintptr_t>& pcs) const noexcept {
    std::size_t h = 1469598103934665603ull;
    for (std::uintptr_t pc : pcs) h = (h ^ pc) * 1099511628211ull;
    return h;
  }
};

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// pprof takes the first mapping for the main binary: the executable's
// mappings come first, then the others in address order.
void order_mappings(std::vector<Mapping>& mappings) {
  std::string exe = self_exe();
  std::stable_sort(mappings.begin(), mappings.end(), [&](const Mapping& a, const Mapping& b) {
    return (a.path == exe) > (b.path == exe);
  });
}

// Turns raw stacks into the tables of profile.proto.
class TableBuilder {
 public:
  TableBuilder(proto::Profile& profile, const std::vector<Mapping>& mappings)
      : profile_(profile), mappings_(mappings) {
    for (std::size_t i = 0; i < mappings.size(); ++i) {
      const Mapping& m = mappings[i];
      proto::Mapping pm;
      pm.id = i + 1;
      pm.memory_start = m.start;
      pm.memory_limit = m.limit;
      pm.file_offset = m.file_offset;
      pm.filename = profile.strings.intern(m.path);
      pm.build_id = profile.strings.intern(m.build_id);
      pm.symbolized = true;  // every location is symbolized here, as far as it can be
      profile.mappings.push_back(pm);
    }
  }

  std::uint64_t location_for(std::uintptr_t address) {
    auto [it, inserted] = location_ids_.try_emplace(address, profile_.locations.size() + 1);
    if (!inserted) return it->second;
    proto::Location location;
    location.id = it->second;
    location.address = address;
    location.mapping_id = mapping_of(address);
    for (const symbolize::SourceFrame& frame : symbolize::source_frames(address))
      location.lines.push_back({function_for(frame), frame.line});
    profile_.locations.push_back(std::move(location));
    return it->second;
  }

 private:
  std::uint64_t mapping_of(std::uintptr_t address) const {
    for (std::size_t i = 0; i < mappings_.size(); ++i)
      if (address >= mappings_[i].start && address < mappings_[i].limit) return i + 1;
    return 0;
  }

  std::uint64_t function_for(const symbolize::SourceFrame& frame) {
    auto key = std::make_tuple(frame.function, frame.system_name, frame.file, frame.start_line);
    auto [it, inserted] = function_ids_.try_emplace(key, profile_.functions.size() + 1);
    if (inserted) {
      proto::Function f;
      f.id = it->second;
      f.name = profile_.strings.intern(frame.function);
      f.system_name = profile_.strings.intern(frame.system_name);
      f.filename = profile_.strings.intern(frame.file);
      f.start_line = frame.start_line;
      profile_.functions.push_back(f);
    }
    return it->second;
  }

  proto::Profile& profile_;
  const std::vector<Mapping>& mappings_;
  std::unordered_map<std::uintptr_t, std::uint64_t> location_ids_;
  std::map<std::tuple<std::string, std::string, std::string, int>, std::uint64_t> function_ids_;
};

}  // namespace

struct ProfileBuilder::Impl {
  ProfileSpec spec;
  std::unordered_map<std::vector<std::uintptr_t>, std::size_t, StackHash> index;  // stack -> samples slot
  std::vector<std::pair<std::vector<std::uintptr_t>, std::vector<std::int64_t>>> samples;
  std::uint64_t malformed = 0;
};

ProfileBuilder::ProfileBuilder(ProfileSpec spec) : impl_(std::make_unique<Impl>()) { impl_->spec = std::move(spec); }

ProfileBuilder::~ProfileBuilder() = default;

void ProfileBuilder::add_sample(std::span<const std::uintptr_t> pcs, std::span<const std::int64_t> values) {
  Impl& d = *impl_;
  if (values.size() != d.spec.sample_types.size()) {
    ++d.malformed;
    return;
  }
  std::vector<std::uintptr_t> key(pcs.begin(), pcs.end());
  auto [it, inserted] = d.index.try_emplace(std::move(key), d.samples.size());
  if (inserted) {
    d.samples.emplace_back(it->first, std::vector<std::int64_t>(values.begin(), values.end()));
    return;
  }
  std::vector<std::int64_t>& sum = d.samples[it->second].second;
  for (std::size_t i = 0; i < values.size(); ++i) sum[i] += values[i];
}

std::size_t ProfileBuilder::stack_count() const { return impl_->samples.size(); }

void ProfileBuilder::set_duration_nanos(std::int64_t nanos) { impl_->spec.duration_nanos = nanos; }

void ProfileBuilder::add_comment(std::string comment) { impl_->spec.comments.push_back(std::move(comment)); }

std::string ProfileBuilder::build_uncompressed() {
  const Impl& d = *impl_;
  proto::Profile profile;
  for (const ValueType& v : d.spec.sample_types)
    profile.sample_types.push_back({profile.strings.intern(v.type), profile.strings.intern(v.unit)});
  profile.period_type = {profile.strings.intern(d.spec.period_type.type),
                         profile.strings.intern(d.spec.period_type.unit)};
  profile.period = d.spec.period;
  profile.time_nanos = d.spec.time_nanos;
  profile.duration_nanos = d.spec.duration_nanos;
  profile.default_sample_type = profile.strings.intern(d.spec.default_sample_type);
  for (const std::string& c : d.spec.comments) profile.comments.push_back(profile.strings.intern(c));
  if (d.malformed != 0)
    profile.comments.push_back(profile.strings.intern(
        "gops: " + std::to_string(d.malformed) + " samples dropped: wrong number of values"));

  symbolize::allow_refresh();
  std::vector<Mapping> mappings = read_self_mappings();
  order_mappings(mappings);
  TableBuilder tables(profile, mappings);
  profile.samples.reserve(d.samples.size());
  for (const auto& [pcs, values] : d.samples) {
    proto::Sample sample;
    sample.values = values;
    sample.location_ids.reserve(pcs.size());
    for (std::size_t i = 0; i < pcs.size(); ++i) {
      // Return addresses point after the call: look up the call itself.
      std::uintptr_t address = i == 0 || pcs[i] == 0 ? pcs[i] : pcs[i] - 1;
      sample.location_ids.push_back(tables.location_for(address));
    }
    profile.samples.push_back(std::move(sample));
  }
  return proto::encode(profile);
}

Result<std::string> ProfileBuilder::build_gzipped() { return gzip(build_uncompressed()); }

}  // namespace gops::pprof
