// pprof-heap end to end: heap_sites_host (64 MiB live from one call site,
// 16 MiB from another in 64-byte blocks, 256 MiB churned through a third)
// profiled by our CLI (`gops pprof-heap -o FILE PID`) and read back by
// Debian's `go tool pprof`. The sampler linked in, preloaded, and preloaded
// over jemalloc; without it, one sentence on how to enable it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "support/hide_libraries.hpp"
#include "support/pprof_tool.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
const char* kJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
// 16 KiB: ~4000 samples at the 64 MiB site, ~1000 at the 16 MiB one, so that
// 15% is more than 4.5 standard errors (at the default 512 KiB the 16 MiB
// site would get ~32 samples: 18% standard error).
const char* kTestRate = "16384";

class SitesHost {
 public:
  // `launcher`: a command that ends by exec'ing the program it is given.
  SitesHost(const std::string& program, Env env, const std::vector<std::string>& launcher = {})
      : child_(start(program, env, launcher)) {
    ready_ = child_.wait_for_output("ready\n", std::chrono::seconds(60));
  }
  bool ready() const { return ready_; }
  pid_t pid() const { return child_.pid(); }

  RunResult gops(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{gops_cli()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(std::to_string(pid()));
    return run(argv, {{"GOPS_CONFIG_DIR", config_dir()}}, std::chrono::seconds(60));
  }

  std::string files_dir() const { return files_.path(); }

  // The heap profile as our CLI saves it.
  std::string profile() {
    std::string path = files_.path() + "/heap.pb.gz";
    RunResult r = gops({"pprof-heap", "-o", path});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return path;
  }

 private:
  std::string config_dir() const { return files_.path() + "/gops"; }
  Child start(const std::string& program, Env env, std::vector<std::string> argv) {
    env["GOPS_CONFIG_DIR"] = config_dir();
    argv.push_back(program);
    return Child::spawn(argv, env);
  }
  TempDir files_;
  Child child_;
  bool ready_ = false;
};

// "64.02MB" / "262144" / "1.50GB" (pprof's units are powers of 1024).
double parse_value(const std::string& text) {
  std::size_t end = 0;
  double v = std::stod(text, &end);
  std::string unit = text.substr(end);
  static const std::map<std::string, double> kUnits = {
      {"", 1}, {"B", 1}, {"kB", 1024}, {"MB", kMiB}, {"GB", kMiB * 1024}, {"TB", kMiB * kMiB}};
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? NAN : v * it->second;
}

// `go tool pprof -top`: flat value per function.
std::map<std::string, double> flat_by_function(const std::string& profile, const std::string& index) {
  RunResult r = go_pprof({"-top", "-nodefraction=0", "-sample_index=" + index, profile});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> flat;
  bool table = false;
  for (const std::string& line : split_lines(r.out)) {
    std::istringstream in(line);
    std::string value, pct, sum, cum, cum_pct, name;
    if (!(in >> value >> pct >> sum >> cum >> cum_pct)) continue;
    if (value == "flat") {
      table = true;
      continue;
    }
    if (!table) continue;
    std::getline(in >> std::ws, name);
    flat[name.substr(0, name.find(' '))] += parse_value(value);
  }
  return flat;
}

void expect_within(const std::map<std::string, double>& flat, const std::string& site, double truth,
                   const std::string& what) {
  auto it = flat.find(site);
  ASSERT_NE(it, flat.end()) << site << " missing from " << what;
  EXPECT_NEAR(it->second, truth, 0.15 * truth) << site << " in " << what;
}

void expect_known_heap(const std::string& profile) {
  auto inuse = flat_by_function(profile, "inuse_space");
  expect_within(inuse, "heap_test_keep_64mib", 64 * kMiB, "inuse_space");
  expect_within(inuse, "heap_test_keep_16mib", 16 * kMiB, "inuse_space");
  EXPECT_EQ(inuse.count("heap_test_churn_256mib") ? inuse["heap_test_churn_256mib"] : 0.0, 0.0)
      << "nothing of the churn is live";

  auto alloc = flat_by_function(profile, "alloc_space");
  expect_within(alloc, "heap_test_churn_256mib", 256 * kMiB, "alloc_space");
  expect_within(alloc, "heap_test_keep_64mib", 64 * kMiB, "alloc_space");

  auto objects = flat_by_function(profile, "inuse_objects");
  expect_within(objects, "heap_test_keep_16mib", 262144, "inuse_objects");
  expect_within(objects, "heap_test_keep_64mib", 65536, "inuse_objects");
  auto alloc_objects = flat_by_function(profile, "alloc_objects");
  expect_within(alloc_objects, "heap_test_churn_256mib", 65536, "alloc_objects");

  RunResult raw = go_pprof({"-raw", profile});
  EXPECT_NE(raw.out.find("PeriodType: space bytes\nPeriod: 16384\n"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes"),
            std::string::npos) << raw.out;
  RunResult top = go_pprof({"-top", profile});
  EXPECT_NE(top.out.find("Type: inuse_space"), std::string::npos) << "the default sample type\n" << top.out;
}

TEST(HeapProfile, LinkedSamplerFindsTheLiveSitesAndTheChurn) {
  SitesHost host(HEAP_SITES_HOST, {{"GOPS_HEAP_SAMPLE_RATE", kTestRate}});
  ASSERT_TRUE(host.ready());
  expect_known_heap(host.profile());
}

// The sampler walks with libunwind, loaded at run time; where it is not
// installed, with libgcc's unwinder: the same sites.
TEST(HeapProfile, WithoutLibunwindTheSitesAreTheSame) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace (CI runs as root)";
  SitesHost host(HEAP_SITES_HOST, {{"GOPS_HEAP_SAMPLE_RATE", kTestRate}}, hiding_libraries({"libunwind.so.8"}));
  ASSERT_TRUE(host.ready());
  expect_known_heap(host.profile());
}

TEST(HeapProfile, PreloadedSamplerFindsTheLiveSitesAndTheChurn) {
  SitesHost host(HEAP_SITES_HOST_PLAIN, {{"LD_PRELOAD", HEAP_SAMPLER_SO}, {"GOPS_HEAP_SAMPLE_RATE", kTestRate}});
  ASSERT_TRUE(host.ready());
  expect_known_heap(host.profile());
}

TEST(HeapProfile, PreloadedOverJemalloc) {
  SitesHost host(HEAP_SITES_HOST_PLAIN, {{"LD_PRELOAD", std::string(HEAP_SAMPLER_SO) + ":" + kJemalloc},
                                         {"GOPS_HEAP_SAMPLE_RATE", kTestRate}});
  ASSERT_TRUE(host.ready());
  expect_known_heap(host.profile());
  RunResult m = host.gops({"memstats"});
  EXPECT_NE(m.out.find("allocator: jemalloc\n"), std::string::npos) << m.out;
  // jemalloc keeps no header before a block: free() uses the address filter.
  EXPECT_NE(m.out.find("heap-sampler-free-check: filter\n"), std::string::npos) << m.out;
}

std::uint64_t number_after(const std::string& text, const std::string& key) {
  auto at = text.find(key);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size()));
}

TEST(HeapProfile, MemstatsShowsTheSamplersExactCounts) {
  SitesHost host(HEAP_SITES_HOST, {{"GOPS_HEAP_SAMPLE_RATE", kTestRate}});
  ASSERT_TRUE(host.ready());
  RunResult m = host.gops({"memstats"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  // The main thread made 65536 + 262144 + 65536 allocation calls at the
  // three sites and 65536 frees in the churn; start-up adds a few.
  std::string main_thread = "heap-sampler-thread-" + std::to_string(host.pid()) + ": alloc-calls ";
  std::uint64_t main_allocs = number_after(m.out, main_thread);
  EXPECT_GE(main_allocs, 393216u) << m.out;
  EXPECT_LE(main_allocs, 393216u + 500) << m.out;
  EXPECT_GE(number_after(m.out, "heap-sampler-alloc-calls: "), main_allocs) << m.out;
  EXPECT_GE(number_after(m.out, "heap-sampler-free-calls: "), 65536u) << m.out;
  EXPECT_NE(m.out.find("heap-sampler-rate: 16.00KB (16384 bytes)\n"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("heap-sampler-dropped-samples: 0\n"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("heap-sampler-free-check: mark\n"), std::string::npos) << m.out;
}

TEST(HeapProfile, WithoutTheSamplerOneSentenceOnHowToEnableIt) {
  SitesHost host(HEAP_SITES_HOST_PLAIN, {});
  ASSERT_TRUE(host.ready());
  // The agent's one sentence, said by the CLI as its error; no profile file.
  std::string path = host.files_dir() + "/heap.pb.gz";
  RunResult r = host.gops({"pprof-heap", "-o", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "gops: gops agent (C++): pprof-heap needs the heap sampler: link gops::heap_sampler into the program, or "
            "start it with LD_PRELOAD=/path/to/libgops_heap_sampler.so\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(path));
  RunResult m = host.gops({"memstats"});
  EXPECT_EQ(m.out.find("heap-sampler"), std::string::npos) << m.out;
}

}  // namespace
}  // namespace gops::test
