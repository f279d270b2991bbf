#include "binfmt/byte_view.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace gops::binfmt {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(CheckedMath, DetectsOverflow) {
  EXPECT_EQ(checked_add(1, 2), 3u);
  EXPECT_FALSE(checked_add(kMax, 1).has_value());
  EXPECT_EQ(checked_mul(1u << 20, 1u << 20), 1ull << 40);
  EXPECT_FALSE(checked_mul(1ull << 32, 1ull << 32).has_value());
}

TEST(ByteView, SubIsStrictNeverClamped) {
  std::vector<std::uint8_t> bytes(10, 7);
  ByteView v(bytes);
  ASSERT_TRUE(v.sub(0, 10).has_value());
  EXPECT_EQ(v.sub(2, 8)->size(), 8u);
  EXPECT_TRUE(v.sub(10, 0).has_value());  // the empty range at the end
  EXPECT_FALSE(v.sub(2, 9).has_value());
  EXPECT_FALSE(v.sub(11, 0).has_value());
  EXPECT_FALSE(v.sub(kMax, 2).has_value());  // offset + size wraps
  EXPECT_FALSE(v.sub(1, kMax).has_value());
  EXPECT_FALSE(v.from(11).has_value());
  EXPECT_EQ(v.from(10)->size(), 0u);
}

TEST(ByteView, ReadsBothByteOrders) {
  std::vector<std::uint8_t> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteView v(bytes);
  EXPECT_EQ(v.read<std::uint16_t>(0, Endian::kLittle), 0x0201u);
  EXPECT_EQ(v.read<std::uint16_t>(0, Endian::kBig), 0x0102u);
  EXPECT_EQ(v.read<std::uint32_t>(4, Endian::kBig), 0x05060708u);
  EXPECT_EQ(v.read<std::uint64_t>(0, Endian::kLittle), 0x0807060504030201ull);
  EXPECT_FALSE(v.read<std::uint32_t>(5, Endian::kLittle).has_value());
  EXPECT_FALSE(v.read<std::uint64_t>(kMax - 3, Endian::kLittle).has_value());
}

TEST(ByteView, CStringNeedsItsTerminator) {
  std::vector<std::uint8_t> bytes{'a', 'b', 0, 'c', 'd'};
  ByteView v(bytes);
  EXPECT_EQ(v.cstr(0), "ab");
  EXPECT_EQ(v.cstr(2), "");
  EXPECT_FALSE(v.cstr(3).has_value());  // runs off the end
  EXPECT_FALSE(v.cstr(6).has_value());
}

TEST(Record, ChecksItsExtentOnce) {
  std::vector<std::uint8_t> bytes{'_', '_', 'T', 'E', 'X', 'T', 0, 0, 0x2a, 0, 0, 0};
  ByteView v(bytes);
  EXPECT_FALSE(Record::at(v, 4, 9, Endian::kLittle).has_value());
  auto r = Record::at(v, 0, 12, Endian::kLittle);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->fixed_string(0, 8), "__TEXT");
  EXPECT_EQ(r->u32(8), 42u);
  EXPECT_EQ(r->word(8, false), 42u);
}

}  // namespace
}  // namespace gops::binfmt
