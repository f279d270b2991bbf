// Which releases gops reads, and a layout for each with its wait reasons.
#include <gtest/gtest.h>

#include "goruntime/release.hpp"
#include "goruntime/runtime_layout.hpp"

namespace gops::goruntime {
namespace {

TEST(Release, ParsesWhatBinariesSay) {
  EXPECT_EQ(parse_release("go1.21.13")->minor, 21);
  EXPECT_EQ(parse_release("go1.18")->minor, 18);
  EXPECT_EQ(parse_release("devel go1.24-abcdef Tue Jan 1")->minor, 24);
  EXPECT_FALSE(parse_release("unknown"));
  EXPECT_EQ(check_supported(*parse_release("go1.15.2")).message(),
            "the program was built with go1.15.2, older than the oldest release gops reads without an agent (go1.16)");
  EXPECT_EQ(check_supported(*parse_release("go1.28.1")).message(),
            "the program was built with go1.28.1, newer than the newest release whose runtime layout this gops knows (go1.27)");
}

TEST(RuntimeLayout, EveryReleaseHasOneWithItsWaitReasons) {
  for (int minor = kOldestMinor; minor <= kNewestMinor; ++minor) {
    auto l = runtime_layout(minor);
    ASSERT_TRUE(l) << minor;
    EXPECT_EQ(l->wait_reasons[0], "") << minor;
    EXPECT_EQ(l->wait_reasons[1], "GC assist marking") << minor;
    EXPECT_GT(l->g.read_size(), l->g.goid) << minor;
  }
  EXPECT_FALSE(runtime_layout(15));
  EXPECT_FALSE(runtime_layout(28));
  // Reasons move between releases: "sleep" is 19 in 1.19, 14 in 1.26.
  EXPECT_EQ(runtime_layout(19)->wait_reasons[19], "sleep");
  EXPECT_EQ(runtime_layout(26)->wait_reasons[14], "sleep");
  EXPECT_EQ(status_name(19, 4), "waiting");
  EXPECT_EQ(status_name(19, 10), "???");
  EXPECT_EQ(status_name(26, 10), "leaked");
}

}  // namespace
}  // namespace gops::goruntime
