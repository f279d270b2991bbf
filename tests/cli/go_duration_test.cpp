#include "cli/go_duration.hpp"

#include <gtest/gtest.h>

namespace gops::cli {
namespace {

using namespace std::chrono_literals;

TEST(GoDuration, ParsesWhatTimeParseDurationParses) {
  EXPECT_EQ(parse_go_duration("2s"), Nanoseconds(2s));
  EXPECT_EQ(parse_go_duration("1m30s"), Nanoseconds(90s));
  EXPECT_EQ(parse_go_duration("500ms"), Nanoseconds(500ms));
  EXPECT_EQ(parse_go_duration("1.5h"), Nanoseconds(90min));
  EXPECT_EQ(parse_go_duration("2h45m"), Nanoseconds(165min));
  EXPECT_EQ(parse_go_duration("-1.5s"), Nanoseconds(-1500ms));
  EXPECT_EQ(parse_go_duration("+3us"), Nanoseconds(3us));
  EXPECT_EQ(parse_go_duration("3\xC2\xB5s"), Nanoseconds(3us));
  EXPECT_EQ(parse_go_duration(".5s"), Nanoseconds(500ms));
  EXPECT_EQ(parse_go_duration("0"), Nanoseconds(0));
  EXPECT_EQ(parse_go_duration("10ns"), Nanoseconds(10));
}

TEST(GoDuration, RejectsWhatGoRejects) {
  for (const char* bad : {"", "2", "s", "1x", "1.s.", ".s", "-", "1m30", "9223372037s", "3000000h"})
    EXPECT_FALSE(parse_go_duration(bad).has_value()) << bad;
}

TEST(GoDuration, PeriodFallsBackToSeconds) {
  EXPECT_EQ(parse_period("2"), Nanoseconds(2s));
  EXPECT_EQ(parse_period("2s"), Nanoseconds(2s));
  EXPECT_FALSE(parse_period("two").has_value());
}

TEST(GoDuration, FormatsAsDurationString) {
  EXPECT_EQ(format_go_duration(2s), "2s");
  EXPECT_EQ(format_go_duration(90s), "1m30s");
  EXPECT_EQ(format_go_duration(500ms), "500ms");
  EXPECT_EQ(format_go_duration(1500ms), "1.5s");
  EXPECT_EQ(format_go_duration(1h), "1h0m0s");
  EXPECT_EQ(format_go_duration(Nanoseconds(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(format_go_duration(Nanoseconds(0)), "0s");
  EXPECT_EQ(format_go_duration(Nanoseconds(-2s)), "-2s");
  EXPECT_EQ(format_go_duration(Nanoseconds(7)), "7ns");
}

}  // namespace
}  // namespace gops::cli
