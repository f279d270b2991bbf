// Expected strings are what Go's strconv returns (checked against Go 1.19).
#include "binfmt/go_strconv.hpp"

#include <gtest/gtest.h>

namespace gops::binfmt {
namespace {

TEST(GoQuote, MatchesStrconvQuote) {
  EXPECT_EQ(go_quote("-s -w"), "\"-s -w\"");
  EXPECT_EQ(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(go_quote("tab\there\n"), "\"tab\\there\\n\"");
  EXPECT_EQ(go_quote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(go_quote("\xff"), "\"\\xff\"");                  // invalid UTF-8 byte
  EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");      // printable: kept
  EXPECT_EQ(go_quote("\xc2\x85"), "\"\\u0085\"");             // C1 control
  EXPECT_EQ(go_quote("\xe2\x80\xa8"), "\"\\u2028\"");         // line separator
  EXPECT_EQ(go_quote(""), "\"\"");
}

TEST(GoUnquote, MatchesStrconvUnquote) {
  EXPECT_EQ(go_unquote("\"-X main.v=1\""), "-X main.v=1");
  EXPECT_EQ(go_unquote("`raw\\n`"), "raw\\n");
  EXPECT_EQ(go_unquote("`a\rb`"), "ab");
  EXPECT_EQ(go_unquote("\"\\x41\\u00e9\\101\\t\""), "A\xc3\xa9" "A\t");
  EXPECT_EQ(go_unquote("\"\\\"q\\\"\""), "\"q\"");
  EXPECT_FALSE(go_unquote("\"abc").has_value());
  EXPECT_FALSE(go_unquote("\"a\"b").has_value());       // trailing bytes
  EXPECT_FALSE(go_unquote("\"\\q\"").has_value());      // unknown escape
  EXPECT_FALSE(go_unquote("\"\\400\"").has_value());    // octal above 255
  EXPECT_FALSE(go_unquote("\"\\ud800\"").has_value());  // surrogate
  EXPECT_FALSE(go_unquote("'a'").has_value());          // not a string quote here
}

TEST(GoQuotedPrefix, FindsTheEndPastEscapedQuotes) {
  EXPECT_EQ(go_quoted_prefix("\"a\\\"b\"=x"), 6u);
  EXPECT_EQ(go_quoted_prefix("`k`=v"), 3u);
  EXPECT_FALSE(go_quoted_prefix("\"open=v").has_value());
}

}  // namespace
}  // namespace gops::binfmt
