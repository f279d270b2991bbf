#include "pprof/gzip.hpp"

#include <gtest/gtest.h>

namespace gops::pprof {
namespace {

TEST(Gzip, RoundTripsAndHasTheGzipMagic) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += std::to_string(i);
  auto packed = gzip(data);
  ASSERT_TRUE(packed.ok()) << packed.message();
  ASSERT_GE(packed->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_LT(packed->size(), data.size());
  auto back = gunzip(*packed);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, data);
}

TEST(Gzip, EmptyInputIsAValidStream) {
  auto packed = gzip("");
  ASSERT_TRUE(packed.ok());
  auto back = gunzip(*packed);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "");
}

TEST(Gunzip, RefusesTruncatedAndForeignInput) {
  auto packed = gzip(std::string(5000, 'x'));
  ASSERT_TRUE(packed.ok());
  EXPECT_FALSE(gunzip(packed->substr(0, packed->size() - 5)).ok());
  EXPECT_FALSE(gunzip("not gzip at all").ok());
  EXPECT_FALSE(gunzip("").ok());
  EXPECT_FALSE(gunzip(*packed, 100).ok());  // larger than the limit
}

}  // namespace
}  // namespace gops::pprof
