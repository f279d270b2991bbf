// The interposition under stress (heap_stress.cpp): every allocation
// function from many threads, realloc, aligned forms, fork, threads exiting.
// A run with the sampler (preloaded or linked, at the default rate and at
// tiny ones that sample nearly every call; over glibc, jemalloc and
// tcmalloc) must print exactly what the run without it prints, and the
// sampler's per-thread counts must match the calls (checked inside).
// One test, so that the plain run is made once.
#include <gtest/gtest.h>

#include <string>

#include "support/process.hpp"

namespace gops::test {
namespace {

const std::string kJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
const std::string kTcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";

RunResult stress(const std::string& program, const Env& env = {}) {
  return run({program}, env, std::chrono::seconds(120));
}

TEST(HeapStress, RunsWithTheSamplerMatchThePlainRun) {
  RunResult plain = stress(HEAP_STRESS);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find(" forks=5 errors=0\n"), std::string::npos) << plain.out;
  EXPECT_NE(plain.err.find("sampler absent"), std::string::npos) << plain.err;

  const std::string so = HEAP_SAMPLER_SO;
  struct Variant {
    const char* name;
    std::string program;
    Env env;
  };
  // jemalloc has no pvalloc (preloaded alone, the program would get glibc's
  // and crash in jemalloc's free): the sampler builds it on the allocator's
  // own posix_memalign.
  const Variant variants[] = {
      {"preloaded, default rate", HEAP_STRESS, {{"LD_PRELOAD", so}}},
      {"preloaded, rate 64", HEAP_STRESS, {{"LD_PRELOAD", so}, {"GOPS_HEAP_SAMPLE_RATE", "64"}}},
      {"linked, rate 1024", HEAP_STRESS_LINKED, {{"GOPS_HEAP_SAMPLE_RATE", "1024"}}},
      {"preloaded over jemalloc", HEAP_STRESS, {{"LD_PRELOAD", so + ":" + kJemalloc}, {"GOPS_HEAP_SAMPLE_RATE", "1024"}}},
      {"preloaded over tcmalloc", HEAP_STRESS, {{"LD_PRELOAD", so + ":" + kTcmalloc}, {"GOPS_HEAP_SAMPLE_RATE", "1024"}}},
  };
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    RunResult r = stress(v.program, v.env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, plain.out) << r.err;
    EXPECT_NE(r.err.find("sampler present"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace gops::test
