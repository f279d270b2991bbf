// Go 1.19's ParseBuildInfo/String behaviour; expected outputs are Go's.
#include "binfmt/module_info.hpp"

#include <gtest/gtest.h>

namespace gops::binfmt {
namespace {

std::string round_trip(std::string_view text) {
  auto bi = parse_build_info(text);
  EXPECT_TRUE(bi.ok()) << bi.message();
  return bi.ok() ? format_build_info(*bi) : "";
}

TEST(ModuleInfo, RoundTripsWhatGoWrites) {
  const std::string text =
      "path\texample.com/cmd\n"
      "mod\texample.com\t(devel)\t\n"
      "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
      "dep\texample.com/greeting\tv1.2.3\n"
      "=>\t./greeting\t(devel)\t\n"
      "build\t-ldflags=\"-s -w\"\n"
      "build\tCGO_ENABLED=0\n";
  // Go 1.19's String() leaves an empty line after a replacement.
  std::string want = text;
  want.insert(want.find("build\t"), "\n");
  EXPECT_EQ(round_trip(text), want);
}

TEST(ModuleInfo, DropsWhatGoDrops) {
  // Unknown lines and an unterminated last line vanish; a two-column module
  // gets an empty sum column.
  EXPECT_EQ(round_trip("path\tp\nweird line\nmod\tm\tv1\nbuild\tA=1"), "path\tp\nmod\tm\tv1\t\n");
  // An all-empty main module is not printed.
  EXPECT_EQ(round_trip("mod\t\t\n"), "");
}

TEST(ModuleInfo, RequotesBuildSettingsAsGo) {
  EXPECT_EQ(round_trip("build\t-tags=`a b`\n"), "build\t-tags=\"a b\"\n");
  EXPECT_EQ(round_trip("build\t\"k=y\"=v\n"), "build\t\"k=y\"=v\n");
  EXPECT_EQ(round_trip("build\tEMPTY=\n"), "build\tEMPTY=\n");
}

TEST(ModuleInfo, ErrorsReadAsGo) {
  auto e = [](std::string_view text) {
    auto bi = parse_build_info(text);
    return bi.ok() ? std::string("ok") : bi.message();
  };
  EXPECT_EQ(e("path\tp\nmod\tonly\n"), "could not parse Go build info: line 2: expected 2 or 3 columns; got 1");
  EXPECT_EQ(e("=>\ta\tb\tc\n"), "could not parse Go build info: line 1: replacement with no module on previous line");
  EXPECT_EQ(e("mod\ta\tb\n=>\ta\tb\n"), "could not parse Go build info: line 2: expected 3 columns for replacement; got 2");
  EXPECT_EQ(e("build\tnoequals\n"), "could not parse Go build info: line 1: build line missing '=' after key");
  EXPECT_EQ(e("build\t=v\n"), "could not parse Go build info: line 1: build line with missing key");
  EXPECT_EQ(e("build\tk=a b\n"), "could not parse Go build info: line 1: unquoted value \"a b\" must be quoted");
  EXPECT_EQ(e("build\t\"k\"x\n"), "could not parse Go build info: line 1: unexpected character after quoted key: 'x'");
  EXPECT_EQ(e("build\t\n"), "could not parse Go build info: line 1: build line missing '='");
  // A replacement applies once: a second "=>" has no module above it.
  EXPECT_EQ(e("dep\ta\tv\n=>\tb\tv\th\n=>\tc\tv\th\n"),
            "could not parse Go build info: line 3: replacement with no module on previous line");
}

}  // namespace
}  // namespace gops::binfmt
