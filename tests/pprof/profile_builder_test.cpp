// The builder on stacks of this very process: `go tool pprof` (Debian's Go)
// must read the result without warnings, name the functions with file:line
// (inlined ones too) and show the build IDs `readelf -n` reports.
#include "pprof/profile_builder.hpp"

#include <execinfo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <protozero/pbf_reader.hpp>
#include <regex>

#include "pprof/gzip.hpp"
#include "support/pprof_tool.hpp"

namespace gops::pprof {
namespace {

using test::go_pprof;
using test::RunResult;
using test::TempDir;

int g_inlined_call_line = 0;
int g_outer_call_line = 0;

// A stack captured here: the leaf's own pc, then return addresses.
std::vector<std::uintptr_t> capture_here() {
  void* frames[32];
  int n = ::backtrace(frames, 32);
  std::vector<std::uintptr_t> pcs;
  for (int i = 0; i < n; ++i) pcs.push_back(reinterpret_cast<std::uintptr_t>(frames[i]));
  return pcs;
}

__attribute__((always_inline)) inline std::vector<std::uintptr_t> pprof_test_inlined() {
  g_inlined_call_line = __LINE__ + 1;
  return capture_here();
}

__attribute__((noinline)) std::vector<std::uintptr_t> pprof_test_outer() {
  g_outer_call_line = __LINE__ + 1;
  auto pcs = pprof_test_inlined();
  asm volatile("" ::: "memory");
  return pcs;
}

ProfileSpec cpu_spec() {
  ProfileSpec spec;
  spec.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  spec.period_type = {"cpu", "nanoseconds"};
  spec.period = 10'000'000;
  spec.time_nanos = 1'700'000'000'000'000'000;
  spec.duration_nanos = 2'000'000'000;
  spec.comments = {"made by a test"};
  return spec;
}

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// Mapping file name -> build ID, decoded from the profile.proto bytes.
std::map<std::string, std::string> mapping_build_ids(const std::string& bytes) {
  std::vector<std::string> strings;
  std::vector<std::pair<std::int64_t, std::int64_t>> mappings;
  protozero::pbf_reader profile(bytes);
  while (profile.next()) {
    if (profile.tag() == 6) {
      strings.emplace_back(profile.get_string());
    } else if (profile.tag() == 3) {
      protozero::pbf_reader m(profile.get_message());
      std::pair<std::int64_t, std::int64_t> names{0, 0};
      while (m.next()) {
        if (m.tag() == 5) names.first = m.get_int64();
        else if (m.tag() == 6) names.second = m.get_int64();
        else m.skip();
      }
      mappings.push_back(names);
    } else {
      profile.skip();
    }
  }
  std::map<std::string, std::string> out;
  for (auto [file, id] : mappings) {
    auto at = [&](std::int64_t i) { return i >= 0 && static_cast<std::size_t>(i) < strings.size() ? strings[static_cast<std::size_t>(i)] : "?"; };
    out[at(file)] = at(id);
  }
  return out;
}

class ProfileBuilderTest : public ::testing::Test {
 protected:
  std::string write_profile(ProfileBuilder& builder) {
    auto gz = builder.build_gzipped();
    EXPECT_TRUE(gz.ok()) << (gz.ok() ? "" : gz.message());
    std::string path = dir_.path() + "/cpu.pb.gz";
    test::write_file(path, gz.ok() ? *gz : "");
    return path;
  }
  TempDir dir_;
};

TEST_F(ProfileBuilderTest, GoToolPprofNamesFunctionsWithFileAndLineAndInlinedFrames) {
  auto pcs = pprof_test_outer();
  ASSERT_GE(pcs.size(), 3u);
  // backtrace()'s first entry is a return address too: look up the call.
  pcs.erase(pcs.begin());  // capture_here itself
  pcs[0] -= 1;
  ProfileBuilder builder(cpu_spec());
  std::int64_t values[] = {3, 30'000'000};
  builder.add_sample(pcs, values);
  std::string path = write_profile(builder);

  RunResult top = go_pprof({"-top", "-lines", path});
  if (std::getenv("GOPS_TEST_VERBOSE")) std::printf("%s\n", top.out.c_str());
  ASSERT_EQ(top.exit_code, 0) << top.err;
  // The inlined function at the call in it, the outer one at its call site.
  std::string file = "profile_builder_test.cpp";
  EXPECT_TRUE(std::regex_search(
      top.out, std::regex("pprof_test_inlined.*" + file + ":" + std::to_string(g_inlined_call_line) + "\\b")))
      << top.out;
  EXPECT_TRUE(std::regex_search(
      top.out, std::regex("pprof_test_outer.*" + file + ":" + std::to_string(g_outer_call_line) + "\\b")))
      << top.out;
  EXPECT_NE(top.out.find("Type: cpu"), std::string::npos) << top.out;

  RunResult traces = go_pprof({"-traces", path});
  ASSERT_EQ(traces.exit_code, 0) << traces.err;
  EXPECT_TRUE(std::regex_search(traces.out, std::regex("pprof_test_inlined.*\\(inline\\)"))) << traces.out;
  EXPECT_NE(traces.out.find("main"), std::string::npos) << traces.out;
}

TEST_F(ProfileBuilderTest, RawOutputHasNoWarningsAndTheBuildIdsReadelfReports) {
  ProfileBuilder builder(cpu_spec());
  std::int64_t values[] = {1, 10'000'000};
  builder.add_sample(pprof_test_outer(), values);
  std::string path = write_profile(builder);

  RunResult raw = go_pprof({"-raw", path});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.err, "") << "pprof warned";
  EXPECT_NE(raw.out.find("PeriodType: cpu nanoseconds"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("Period: 10000000"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("samples/count cpu/nanoseconds"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("Duration: 2s"), std::string::npos) << raw.out;
  // "Mappings" lines: "ID: START/END/OFFSET PATH BUILDID [FN][FL][LN][IN]".
  auto mappings_at = raw.out.find("Mappings");
  ASSERT_NE(mappings_at, std::string::npos) << raw.out;
  std::string mappings = raw.out.substr(mappings_at);
  std::string exe = self_exe();
  std::string exe_id = test::readelf_build_id(exe);
  ASSERT_EQ(exe_id.size(), 40u);
  EXPECT_NE(mappings.find(exe + " " + exe_id + " [FN][FL][LN][IN]"), std::string::npos) << mappings;
  // The first mapping is the executable (pprof's main binary).
  auto first = mappings.find("\n1: ");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(mappings.find(exe, first), mappings.find(exe)) << mappings;
  std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";  // __libc_start_main is in the stack
  EXPECT_NE(mappings.find(libc + " " + test::readelf_build_id(libc) + " [FN][FL][LN][IN]"), std::string::npos)
      << mappings;

  // pprof prints only the mappings samples use: every shared library's
  // build ID is checked in the profile itself.
  auto gz = test::read_file(path);
  auto bytes = gunzip(gz);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  auto in_profile = mapping_build_ids(*bytes);
  auto libs = test::mapped_shared_libraries();
  ASSERT_GE(libs.size(), 3u) << "libc, libm, libstdc++ at least";
  for (const std::string& lib : libs) {
    std::string id = test::readelf_build_id(lib);
    ASSERT_FALSE(id.empty()) << lib;
    EXPECT_EQ(in_profile[lib], id) << lib;
  }
  EXPECT_EQ(in_profile[exe], exe_id);
}

TEST_F(ProfileBuilderTest, MergesIdenticalStacksAndKeepsTheHeader) {
  ProfileBuilder builder(cpu_spec());
  auto pcs = pprof_test_outer();
  std::int64_t one[] = {1, 10'000'000};
  builder.add_sample(pcs, one);
  builder.add_sample(pcs, one);
  std::vector<std::uintptr_t> shorter(pcs.begin() + 1, pcs.end());
  builder.add_sample(shorter, one);
  std::int64_t wrong[] = {1};
  builder.add_sample(pcs, wrong);  // one value for two sample types: dropped
  EXPECT_EQ(builder.stack_count(), 2u);
  builder.set_duration_nanos(3'000'000'000);  // known only at the end
  builder.add_comment("a note made at the end");

  auto gz = builder.build_gzipped();
  ASSERT_TRUE(gz.ok()) << gz.message();
  auto bytes = gunzip(*gz);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  protozero::pbf_reader profile(*bytes);
  std::vector<std::string> strings;
  std::vector<std::vector<std::int64_t>> sample_values;
  std::int64_t time = 0, duration = 0, period = 0;
  int comments = 0, sample_types = 0;
  while (profile.next()) {
    switch (profile.tag()) {
      case 1: ++sample_types; profile.skip(); break;
      case 2: {
        protozero::pbf_reader sample(profile.get_message());
        while (sample.next()) {
          if (sample.tag() == 2) {
            auto range = sample.get_packed_int64();
            sample_values.emplace_back(range.begin(), range.end());
          } else {
            sample.skip();
          }
        }
        break;
      }
      case 6: strings.emplace_back(profile.get_string()); break;
      case 9: time = profile.get_int64(); break;
      case 10: duration = profile.get_int64(); break;
      case 12: period = profile.get_int64(); break;
      case 13: ++comments; profile.skip(); break;
      default: profile.skip();
    }
  }
  ASSERT_FALSE(strings.empty());
  EXPECT_EQ(strings[0], "");
  EXPECT_EQ(sample_types, 2);
  EXPECT_EQ(time, 1'700'000'000'000'000'000);
  EXPECT_EQ(duration, 3'000'000'000);
  EXPECT_EQ(period, 10'000'000);
  EXPECT_EQ(comments, 3) << "the spec's comment, the late one and the dropped-sample note";
  ASSERT_EQ(sample_values.size(), 2u);
  EXPECT_EQ(sample_values[0], (std::vector<std::int64_t>{2, 20'000'000}));
  EXPECT_EQ(sample_values[1], (std::vector<std::int64_t>{1, 10'000'000}));
}

TEST_F(ProfileBuilderTest, AnAddressOutsideEveryMappingStillMakesAValidProfile) {
  ProfileBuilder builder(cpu_spec());
  std::uintptr_t pcs[] = {0x10, 0x20};
  std::int64_t one[] = {1, 10'000'000};
  builder.add_sample(pcs, one);
  std::string path = write_profile(builder);
  RunResult raw = go_pprof({"-raw", path});
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
}

TEST_F(ProfileBuilderTest, AnEmptyProfileOpens) {
  ProfileBuilder builder(cpu_spec());
  std::string path = write_profile(builder);
  RunResult top = go_pprof({"-top", path});
  EXPECT_EQ(top.exit_code, 0) << top.err;
}

}  // namespace
}  // namespace gops::pprof
