// UTF-8 checks, terminal escaping and base64 of bytes from other users.
#include "common/text.hpp"

#include <gtest/gtest.h>

namespace gops::text {
namespace {

TEST(Utf8, ValidAndInvalidSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x94\x94 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("x\xff"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x94"));          // cut short
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(to_valid_utf8("x\xff"), "x\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("\xE2\x94y"), "\xEF\xBF\xBD\xEF\xBF\xBDy");
  EXPECT_EQ(to_valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(EscapeForTerminal, ControlsAndInvalidBytesAreShownAsHex) {
  EXPECT_EQ(escape_for_terminal("\x1b]0;pwned\x07 12"), "\\x1b]0;pwned\\x07 12");
  EXPECT_EQ(escape_for_terminal("a\nb\r\x7f"), "a\\x0ab\\x0d\\x7f");
  EXPECT_EQ(escape_for_terminal("x\xff"), "x\\xff");
  EXPECT_EQ(escape_for_terminal("\xC2\x9B" "2J"), "\\xc2\\x9b2J");  // C1 CSI
  EXPECT_EQ(escape_for_terminal("caf\xC3\xA9 \xE2\x94\x94"), "caf\xC3\xA9 \xE2\x94\x94");
}

TEST(Base64, AsRfc4648) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("x\xff"), "eP8=");
}

}  // namespace
}  // namespace gops::text
