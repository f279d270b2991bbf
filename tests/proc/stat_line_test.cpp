// parse_stat on the kernel's real lines and on hostile ones.
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "proc/process.hpp"
#include "support/process.hpp"

namespace gops::proc {
namespace {

// A stat line with every one of the 52 fields, with the comm given.
std::string stat_line(const std::string& comm) {
  return "4242 (" + comm +
         ") S 17 4242 4242 34816 4242 4194304 1200 0 3 0 "  // ... cmajflt
         "250 75 0 0 20 0 3 0 987654 12345678 321 "         // utime..rss
         "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 "  // rsslim..policy
         "9 0 0 0 0 0 0 0 0 0 0\n";  // field 42 (blkio) = 9, then 10 more
}

TEST(ParseStat, ReadsEveryFieldGopsUses) {
  auto s = parse_stat(stat_line("sleep"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->comm, "sleep");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 17);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 75u);
  EXPECT_EQ(s->num_threads, 3);
  EXPECT_EQ(s->start_ticks, 987654u);
  EXPECT_EQ(s->rss_pages, 321u);
  EXPECT_EQ(s->iowait_ticks, 9u);
}

TEST(ParseStat, CommRunsToTheLastParenthesis) {
  for (std::string comm : {") (", "a) S 1 2 (b", "((x))", "with space", "new\nline", ")", "", "(",
                           "x) Z 99999 "}) {
    auto s = parse_stat(stat_line(comm));
    ASSERT_TRUE(s.ok()) << "comm [" << comm << "]: " << s.message();
    EXPECT_EQ(s->comm, comm);
    EXPECT_EQ(s->ppid, 17) << comm;
    EXPECT_EQ(s->rss_pages, 321u) << comm;
  }
}

TEST(ParseStat, OldKernelsWithoutBlkioField) {
  // Linux before 2.6.18 stops at field 41; iowait then reads as 0.
  std::string line = "7 (init) S 0 7 7 0 -1 4194560 1 2 3 4 10 20 0 0 20 0 1 0 50 100 30 "
                     "1 1 0 0 0 0 0 0 0 0 0 17 0 0 0";
  auto s = parse_stat(line);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->iowait_ticks, 0u);
  EXPECT_EQ(s->rss_pages, 30u);
}

TEST(ParseStat, RejectsMalformedLines) {
  const std::string full = stat_line("sleep");
  struct Case {
    std::string text;
    std::string why;
  };
  const Case cases[] = {
      {"", "no (comm)"},
      {"4242 sleep S 1", "no (comm)"},
      {"4242 (sleep S 1 2 3", "no (comm)"},
      {"4242 )sleep( S 1", "no (comm)"},
      {"(sleep) S 1", "no space before"},
      {"x (sleep) S 1", "bad pid"},
      {"-5 (sleep) S 1", "bad pid"},
      {"4242 (sleep)", "no fields"},
      {"4242 (sleep)S 1", "no fields"},
      {"4242 (sleep) SS 1", "bad state"},
      {"4242 (sleep) S 17 1 2", "only 6 fields"},
      // rss (field 24) is the last one required.
      {"4242 (sleep) S 17 4242 4242 34816 4242 4194304 1200 0 3 0 250 75 0 0 20 0 3 0 987654 12345678",
       "only 23 fields"},
      // 2^64 does not fit in utime.
      {"4242 (sleep) S 17 4242 4242 34816 4242 4194304 1200 0 3 0 18446744073709551616 75 0 0 20 0 3 "
       "0 987654 12345678 321",
       "field 14"},
      {"4242 (sleep) S 99999999999 4242", "field 4"},
      {"4242 (sleep) S 17 4242 4242 34816 4242 4194304 1200 0 3 0 250 75 0 0 20 0 3 0 -1 1 1", "field 22"},
      {"4242 (sleep) S 17 4242 4242 34816 4242 4194304 1200 0 3 0 2x0 75 0 0 20 0 3 0 1 1 1", "field 14"},
  };
  for (const auto& c : cases) {
    auto s = parse_stat(c.text);
    ASSERT_FALSE(s.ok()) << "accepted: " << c.text;
    EXPECT_NE(s.message().find("malformed /proc stat line"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.why), std::string::npos) << c.text << " -> " << s.message();
  }
}

TEST(ParseStat, EveryPrefixOfARealLineParsesOrFailsCleanly) {
  const std::string line = test::read_file("/proc/self/stat");
  ASSERT_FALSE(line.empty());
  ASSERT_TRUE(parse_stat(line).ok());
  // Under ASan this proves no read past the end for any truncation.
  int accepted = 0;
  for (std::size_t n = 0; n < line.size(); ++n) {
    std::string prefix = line.substr(0, n);  // own allocation, so ASan sees its end
    auto s = parse_stat(prefix);
    if (s.ok()) ++accepted;
  }
  EXPECT_GT(accepted, 0);  // the line is valid once rss is complete...
  // ...and never before the comm is closed.
  EXPECT_FALSE(parse_stat(line.substr(0, line.rfind(')'))).ok());
}

TEST(ParseStat, MatchesTheKernelForThisProcess) {
  auto s = read_stat(::getpid());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->pid, ::getpid());
  EXPECT_EQ(s->ppid, ::getppid());
  EXPECT_EQ(s->state, 'R');
  EXPECT_GE(s->num_threads, 1);
  EXPECT_GT(s->rss_pages, 0u);
  // The comm is the first 15 bytes of the executable's name.
  std::string comm = test::read_file("/proc/self/comm");
  ASSERT_FALSE(comm.empty());
  comm.pop_back();  // '\n'
  EXPECT_EQ(s->comm, comm);
}

}  // namespace
}  // namespace gops::proc
