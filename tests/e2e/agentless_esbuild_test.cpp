// Real stripped Go binaries of other releases, as shipped: esbuild from
// npm (scripts/fetch-go-corpus.sh; tests/corpus/*.tsv pin them), built with
// Go 1.16.3 to 1.26.5. Each blocks reading stdin; its goroutines, as gops
// reads them from memory, must be the runtime's own dump of them
// (SIGQUIT, GOTRACEBACK=system), and version and stats must read.
#include <gtest/gtest.h>
#include <unistd.h>

#include "support/go_target.hpp"
#include "goruntime/release.hpp"
#include "support/go_oracle.hpp"

namespace gops::test {
namespace {

class Esbuild : public ::testing::TestWithParam<CorpusBinary> {};

int minor(const CorpusBinary& b) { return goruntime::parse_release(b.go_version)->minor; }

TEST_P(Esbuild, GoroutinesAsTheRuntimePrintsThem) {
  const CorpusBinary& b = GetParam();
  ASSERT_EQ(::access(b.path.c_str(), X_OK), 0) << b.path << " missing: run scripts/fetch-go-corpus.sh";
  if (minor(b) < goruntime::kOldestMinor) {
    // Older than gops reads: said so, naming the release.
    auto t = GoTarget::start({b.path}, {}, "", 2);
    ASSERT_TRUE(t.started());
    auto r = run({gops_cli(), "stack", t.pid_text()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "gops: the program was built with " + b.go_version +
                         ", older than the oldest release gops reads without an agent (go1.16)\n");
    return;
  }
  auto t = GoTarget::start({b.path}, {{"GOTRACEBACK", "system"}}, "", 2);
  ASSERT_TRUE(t.started());
  // Wait for the state under test: main blocked reading stdin.
  std::string out;
  ASSERT_TRUE(eventually([&] {
    auto r = run({gops_cli(), "stack", "--all", t.pid_text()});
    out = r.out;
    auto dump = stackdump::parse_go(r.out);
    for (const auto& g : dump.goroutines)
      if (g.id == 1) return r.exit_code == 0 && g.status == "syscall";
    return false;
  })) << out;
  auto ours = stackdump::parse_go(out);
  auto version = run({gops_cli(), "version", t.pid_text()});
  auto stats = run({gops_cli(), "stats", t.pid_text()});
  auto oracle = stackdump::parse_go(t.sigquit_dump());
  auto c = compare_with_oracle(ours, oracle);
  EXPECT_GE(c.compared, 4u) << "main and the runtime's goroutines";
  for (const auto& m : c.mismatches) ADD_FAILURE() << m;
  EXPECT_TRUE(c.only_ours.empty() && c.only_oracle.empty());
  EXPECT_EQ(version.out, b.go_version + "\n") << version.err;
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("goroutines: 1\nOS threads: "), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("\nGOMAXPROCS: "), std::string::npos) << stats.out;
}

INSTANTIATE_TEST_SUITE_P(Releases, Esbuild, ::testing::ValuesIn(running_corpus()), [](const auto& test) {
  std::string n = test.param.go_version;
  for (char& c : n)
    if (c == '.') c = '_';
  return n;
});

}  // namespace
}  // namespace gops::test
