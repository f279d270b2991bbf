#include "protocol/varint.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gops::protocol {
namespace {

std::vector<std::uint8_t> bytes(const EncodedVarint& v) { return {v.view().begin(), v.view().end()}; }

// Expected bytes are those Go's binary.PutVarint writes.
TEST(Varint, MatchesGoEncoding) {
  EXPECT_EQ(bytes(put_varint(10)), (std::vector<std::uint8_t>{0x14}));
  EXPECT_EQ(bytes(put_varint(-1)), (std::vector<std::uint8_t>{0x01}));
  EXPECT_EQ(bytes(put_varint(100)), (std::vector<std::uint8_t>{0xc8, 0x01}));
  EXPECT_EQ(bytes(put_varint(-65)), (std::vector<std::uint8_t>{0x81, 0x01}));
  EXPECT_EQ(put_varint(INT64_MIN).size, 10u);
  EXPECT_EQ(put_uvarint(UINT64_MAX).size, 10u);
}

TEST(Varint, RoundTrips) {
  for (std::int64_t v : std::initializer_list<std::int64_t>{0, 1, -1, 63, -64, 64, 300, -300, INT64_MAX, INT64_MIN}) {
    auto enc = put_varint(v);
    std::size_t used = 0;
    auto dec = read_varint(enc.view(), &used);
    ASSERT_TRUE(dec.has_value()) << v;
    EXPECT_EQ(*dec, v);
    EXPECT_EQ(used, enc.size);
  }
}

TEST(Varint, RejectsTruncatedAndEndless) {
  std::vector<std::uint8_t> truncated{0x80, 0x80};
  EXPECT_FALSE(read_uvarint(truncated).has_value());
  std::vector<std::uint8_t> endless(11, 0xff);
  EXPECT_FALSE(read_uvarint(endless).has_value());
  std::vector<std::uint8_t> too_big(9, 0xff);
  too_big.push_back(0x02);  // 10th byte above 1: beyond 64 bits
  EXPECT_FALSE(read_uvarint(too_big).has_value());
  VarintDecoder d;
  for (int i = 0; i < 10; ++i) {
    auto s = d.feed(0xff);
    if (i < 9) EXPECT_EQ(s, VarintState::kNeedMore);
    else EXPECT_EQ(s, VarintState::kOverflow);
  }
}

}  // namespace
}  // namespace gops::protocol
