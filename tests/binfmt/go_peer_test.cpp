// Differential tests against Go 1.19 itself (tests/peers/go/buildinfo_strconv):
// strconv.Quote, and debug.ParseBuildInfo + BuildInfo.String on module texts
// made from the shapes Go writes plus random edits.
#include <gtest/gtest.h>

#include <random>

#include "binfmt/go_strconv.hpp"
#include "binfmt/module_info.hpp"
#include "support/process.hpp"

namespace gops::binfmt {
namespace {

std::string hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

// Runs the Go peer on the inputs; one output line per input.
std::vector<std::string> go_peer(const std::string& mode, const std::vector<std::string>& inputs) {
  std::vector<std::string> argv{gops::test::go_bin("buildinfo_strconv"), mode};
  for (const auto& in : inputs) argv.push_back(hex(in));
  auto r = gops::test::run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return gops::test::split_lines(r.out);
}

std::string utf8(char32_t r) {
  std::string out;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out += {static_cast<char>(0xc0 | (r >> 6)), static_cast<char>(0x80 | (r & 0x3f))};
  } else if (r < 0x10000) {
    out += {static_cast<char>(0xe0 | (r >> 12)), static_cast<char>(0x80 | ((r >> 6) & 0x3f)),
            static_cast<char>(0x80 | (r & 0x3f))};
  } else {
    out += {static_cast<char>(0xf0 | (r >> 18)), static_cast<char>(0x80 | ((r >> 12) & 0x3f)),
            static_cast<char>(0x80 | ((r >> 6) & 0x3f)), static_cast<char>(0x80 | (r & 0x3f))};
  }
  return out;
}

// Exact for every byte value, Latin-1, invalid UTF-8 and the common scripts
// (the non-ASCII rule is an approximation only for unassigned code points).
TEST(GoPeer, QuoteMatchesStrconv) {
  std::vector<std::string> inputs;
  for (int b = 0; b < 256; ++b) inputs.push_back(std::string(1, static_cast<char>(b)));
  for (char32_t r = 0x80; r < 0x250; ++r) inputs.push_back(utf8(r));
  for (char32_t r : {0x3b1u, 0x416u, 0x5d0u, 0x627u, 0x4e2du, 0x3042u, 0xac00u, 0x1f600u, 0x2028u, 0x2029u, 0x200bu,
                     0x200du, 0xfeffu, 0xfffdu, 0xe000u, 0x10ffffu, 0x2060u, 0x3000u, 0x00a0u, 0x061cu})
    inputs.push_back(utf8(r));
  inputs.push_back("\xe2\x82");        // truncated sequence
  inputs.push_back("\xed\xa0\x80");    // a surrogate, invalid in UTF-8
  inputs.push_back("\xc0\xaf");        // overlong
  inputs.push_back("-ldflags=-X main.v=1 \"q\" `b` \\ \t\r\n");
  auto want = go_peer("quote", inputs);
  ASSERT_EQ(want.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(hex(go_quote(inputs[i])), want[i]) << "input " << hex(inputs[i]);
}

TEST(GoPeer, ParseAndPrintMatchDebugBuildInfo) {
  const std::vector<std::string> lines{
      "path\texample.com/cmd\n", "mod\texample.com\t(devel)\t\n", "mod\tm\tv1\n", "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n",
      "dep\ta\tv\n", "=>\t./g\t(devel)\t\n", "=>\tx\ty\n", "build\t-ldflags=\"-s -w\"\n", "build\tCGO_ENABLED=0\n",
      "build\t`k\"`=`a b`\n", "build\t\"a\\tb\"=\"\\u00e9 \\x01\"\n", "build\tk=a b\n", "build\t=v\n", "build\tk\n",
      "build\t\"k\"x\n", "build\t\"k\n", "weird\n", "\n", "mod\tonly\n", "dep\ta\tb\tc\td\n", "build\tK=\"\\q\"\n",
      "path\tno newline"};
  std::mt19937_64 rng(7);
  std::vector<std::string> inputs;
  for (int i = 0; i < 300; ++i) {
    std::string text;
    int n = 1 + static_cast<int>(rng() % 6);
    for (int j = 0; j < n; ++j) text += lines[rng() % lines.size()];
    if (rng() % 4 == 0 && !text.empty()) text[rng() % text.size()] = "\t\n\"`=\\ x\xc3"[rng() % 9];  // a random edit
    inputs.push_back(text);
  }
  auto want = go_peer("parse", inputs);
  ASSERT_EQ(want.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto bi = parse_build_info(inputs[i]);
    std::string got = bi.ok() ? hex(format_build_info(*bi)) : "ERR " + hex(bi.message());
    EXPECT_EQ(got, want[i]) << "input " << hex(inputs[i]);
    EXPECT_EQ(check_build_info(inputs[i]).ok(), bi.ok());
  }
}

}  // namespace
}  // namespace gops::binfmt
