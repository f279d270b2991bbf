// How a binary reply is saved: held back while it may be the agent's error
// line, capped, and written whole otherwise.
#include "client/reply_saver.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gops::client {
namespace {

struct Saved {
  std::string written;
  ReplySaver saver{[this](std::span<const char> b) -> Status {
                     written.append(b.data(), b.size());
                     return Ok{};
                   },
                   1000};
  Status feed(std::initializer_list<std::string_view> chunks) {
    for (auto c : chunks)
      if (auto s = saver.take({c.data(), c.size()}); !s) return s;
    return saver.finish("nothing");
  }
};

TEST(ReplySaver, AnAgentErrorLineIsAnErrorAndNothingIsWritten) {
  Saved s;
  auto r = s.feed({"gops agent", " (C++): pprof-heap needs the heap sampler\n"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "gops agent (C++): pprof-heap needs the heap sampler");
  EXPECT_EQ(s.written, "");
}

TEST(ReplySaver, DataIsWrittenWholeEvenWhenItBeginsLikeTheLine) {
  Saved a;
  ASSERT_TRUE(a.feed({"\x1f\x8b", "rest"}));
  EXPECT_EQ(a.written, "\x1f\x8brest");
  EXPECT_EQ(a.saver.first_byte(), '\x1f');
  Saved b;
  ASSERT_TRUE(b.feed({"gops", " agent"}));  // only a prefix of it, then the end
  EXPECT_EQ(b.written, "gops agent");
}

TEST(ReplySaver, TheCapStopsTheReply) {
  Saved s;
  auto r = s.feed({std::string(600, 'x'), std::string(600, 'y')});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "the reply is larger than 1000 bytes (see --max-size); stopped");
  EXPECT_EQ(s.written, std::string(600, 'x'));
  EXPECT_EQ(size_text(4ull << 30), "4 GiB");
  EXPECT_EQ(size_text(512ull << 20), "512 MiB");
}

TEST(ReplySaver, AnEmptyReplyGetsTheCallersWords) {
  Saved s;
  auto r = s.feed({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "nothing");
}

}  // namespace
}  // namespace gops::client
