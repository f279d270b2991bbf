#include <gtest/gtest.h>

#include "proc/process.hpp"

namespace gops::proc {
namespace {

TEST(FormatEtime, AsTheGoGopsPrintsIt) {
  EXPECT_EQ(format_etime(0), "00:00");
  EXPECT_EQ(format_etime(7), "00:07");
  EXPECT_EQ(format_etime(59), "00:59");
  EXPECT_EQ(format_etime(60), "01:00");
  EXPECT_EQ(format_etime(3599), "59:59");
  EXPECT_EQ(format_etime(3600), "01:00:00");
  EXPECT_EQ(format_etime(86399), "23:59:59");
  EXPECT_EQ(format_etime(86400), "01-00:00:00");  // hours shown once days are
  EXPECT_EQ(format_etime(86400 + 61), "01-00:01:01");
  EXPECT_EQ(format_etime(9 * 86400 + 3 * 3600 + 4 * 60 + 5), "09-03:04:05");
  EXPECT_EQ(format_etime(123 * 86400 + 59), "123-00:00:59");
}

TEST(FormatEtime, NegativeAndHugeDurations) {
  EXPECT_EQ(format_etime(-5), "00:00");
  EXPECT_EQ(format_etime(INT64_MAX), "106751991167300-15:30:07");
}

}  // namespace
}  // namespace gops::proc
