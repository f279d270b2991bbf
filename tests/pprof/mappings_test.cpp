#include "pprof/mappings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>

namespace gops::pprof {
namespace {

TEST(ParseMapsLine, ReadsAllFields) {
  MapsLine m;
  ASSERT_TRUE(parse_maps_line("7f1c2a000000-7f1c2a1b2000 r-xp 00028000 fe:01 1049 /usr/lib/x86_64-linux-gnu/libc.so.6", m));
  EXPECT_EQ(m.start, 0x7f1c2a000000u);
  EXPECT_EQ(m.limit, 0x7f1c2a1b2000u);
  EXPECT_EQ(m.offset, 0x28000u);
  EXPECT_TRUE(m.executable);
  EXPECT_EQ(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(ParseMapsLine, KeepsSpacesInPathsAndAllowsNoPath) {
  MapsLine m;
  ASSERT_TRUE(parse_maps_line("1000-2000 r--p 00000000 08:01 77          /tmp/a dir/x (deleted)", m));
  EXPECT_EQ(m.path, "/tmp/a dir/x (deleted)");
  EXPECT_FALSE(m.executable);
  ASSERT_TRUE(parse_maps_line("1000-2000 rw-p 00000000 00:00 0 ", m));
  EXPECT_EQ(m.path, "");
}

TEST(ParseMapsLine, RejectsMalformedLines) {
  MapsLine m;
  EXPECT_FALSE(parse_maps_line("", m));
  EXPECT_FALSE(parse_maps_line("zz-2000 r-xp 0 08:01 1 /x", m));
  EXPECT_FALSE(parse_maps_line("2000-1000 r-xp 0 08:01 1 /x", m));  // end before start
  EXPECT_FALSE(parse_maps_line("1000-2000 r-x 0 08:01 1 /x", m));   // short perms
  EXPECT_FALSE(parse_maps_line("1000-2000 r-xp 0g 08:01 1 /x", m));
  EXPECT_FALSE(parse_maps_line("1000-2000 r-xp 0", m));
}

TEST(ReadSelfMappings, CoversThisFunctionWithTheExecutablesBuildId) {
  auto mappings = read_self_mappings();
  auto here = reinterpret_cast<std::uintptr_t>(&read_self_mappings);
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe);
  ASSERT_GT(n, 0);
  const Mapping* found = nullptr;
  for (const Mapping& m : mappings)
    if (here >= m.start && here < m.limit) found = &m;
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->path, std::string(exe, static_cast<std::size_t>(n)));
  EXPECT_EQ(found->build_id.size(), 40u) << "GNU ld's default sha1 build ID";
  for (const Mapping& m : mappings) {
    if (m.path.find("libc.so") != std::string::npos) {
      EXPECT_FALSE(m.build_id.empty()) << m.path;
    }
  }
}

}  // namespace
}  // namespace gops::pprof
