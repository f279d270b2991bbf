// The Go test programs (tests/peers/go/buildinfo_*, built with Debian's Go 1.19)
// read exactly as `go version -m` reads them, run now on the same file.
#include <gtest/gtest.h>

#include "binfmt/go_info.hpp"
#include "binfmt/test_binaries.hpp"
#include "support/process.hpp"

namespace gops::binfmt {
namespace {

using test::go_version_m;

class GoProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(GoProgram, ReadsAsGoVersionM) {
  std::string path = gops::test::go_bin(GetParam());
  std::string want = go_version_m(path);
  ASSERT_FALSE(want.empty()) << "go version -m rejected " << path;
  auto info = read_go_info_file(path);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(format_version_m(path, *info), want);
}

TEST_P(GoProgram, ListsAsGo) {
  std::string path = gops::test::go_bin(GetParam());
  auto info = inspect_executable(path, true);
  ASSERT_TRUE(info.ok()) << info.message();
  ASSERT_TRUE(info->go.has_value());
  EXPECT_FALSE(info->toolchain.has_value()) << "a Go binary gets no C toolchain";
  // The version line of `go version -m` is "PATH: VERSION".
  std::string first = gops::test::split_lines(go_version_m(path)).at(0);
  EXPECT_EQ(first, path + ": " + info->go->go_version);
}

INSTANTIATE_TEST_SUITE_P(BuildInfo, GoProgram, ::testing::ValuesIn(test::go_program_names()));

// The module text has what each build put there (so the equality above is
// not between two empty strings).
TEST(GoProgramContent, EachBuildLeavesItsMark) {
  auto dep = read_go_info_file(gops::test::go_bin("buildinfo_dep"));
  ASSERT_TRUE(dep.ok()) << dep.message();
  EXPECT_NE(dep->module_info.find("dep\texample.com/greeting\tv1.2.3\n=>\t./greeting\t(devel)\t\n"), std::string::npos)
      << dep->module_info;
  auto trim = read_go_info_file(gops::test::go_bin("buildinfo_trimpath"));
  ASSERT_TRUE(trim.ok());
  EXPECT_NE(trim->module_info.find("build\t-trimpath=true\n"), std::string::npos);
  auto ld = read_go_info_file(gops::test::go_bin("buildinfo_ldflags"));
  ASSERT_TRUE(ld.ok());
  EXPECT_NE(ld->module_info.find("build\t-ldflags=\"-X main.version=1.2.3\"\n"), std::string::npos)
      << ld->module_info;
  auto cgo = read_go_info_file(gops::test::go_bin("buildinfo_cgo"));
  ASSERT_TRUE(cgo.ok());
  EXPECT_NE(cgo->module_info.find("build\tCGO_ENABLED=1\n"), std::string::npos);
  EXPECT_EQ(cgo->go_version, "go1.19.8");
}

// Go 1.19 prints nothing but the version line when the module text is empty.
TEST(FormatVersionM, NoModuleInfoIsOneLine) {
  EXPECT_EQ(format_version_m("/x/y", GoInfo{"go1.17", ""}), "/x/y: go1.17\n");
  EXPECT_EQ(format_version_m("/x/y", GoInfo{std::string(kUnknownGoVersion), ""}), "/x/y: unknown Go version\n");
}

}  // namespace
}  // namespace gops::binfmt
