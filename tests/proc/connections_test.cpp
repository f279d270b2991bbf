// The sockets read_details reports, for sockets this test opens itself and
// for another process's, compared with what the sockets API says.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "proc/connections.hpp"
#include "proc/process.hpp"
#include "socket_fixture.hpp"
#include "support/process.hpp"

namespace gops::proc {
namespace {

std::ptrdiff_t index_of(const std::vector<Connection>& list, const Connection& c) {
  auto it = std::find(list.begin(), list.end(), c);
  return it == list.end() ? -1 : it - list.begin();
}

TEST(Connections, OwnSocketsInGopsutilsOrderAndForm) {
  SocketFixture sockets;
  ASSERT_TRUE(sockets.ok()) << sockets.error();
  auto d = read_details(::getpid());
  ASSERT_TRUE(d.ok()) << d.message();
  const auto& got = d->connections;
  const auto& want = sockets.expected();
  for (const auto& c : want) EXPECT_NE(index_of(got, c), -1) << to_text(c);

  // tcp4 rows, then tcp6, udp4, udp6, unix.
  EXPECT_LT(index_of(got, want[0]), index_of(got, want[3]));
  EXPECT_LT(index_of(got, want[2]), index_of(got, want[4]));
  EXPECT_LT(index_of(got, want[4]), index_of(got, want[5]));
  EXPECT_LT(index_of(got, want[5]), index_of(got, want[6]));
  EXPECT_LT(index_of(got, want[6]), index_of(got, want[7]));
  EXPECT_LT(index_of(got, want[6]), index_of(got, want[8]));

  EXPECT_EQ(std::count(got.begin(), got.end(), SocketFixture::unnamed_unix()), 2) << "one stream, one datagram";
  EXPECT_EQ(got.size(), want.size() + 2) << ::testing::PrintToString(got);
}

TEST(Connections, AnotherProcesssSockets) {
  // Our own sockets are CLOEXEC, so the child has only its own two.
  test::Child probe = test::Child::spawn({GOPS_PROC_PROBE, "listen"});
  ASSERT_TRUE(probe.wait_for_output("udp6"));
  std::istringstream out(probe.output());
  std::string word;
  std::uint32_t tcp_port = 0, udp6_port = 0;
  out >> word >> tcp_port >> word >> udp6_port;
  auto d = read_details(probe.pid());
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_FALSE(d->connections_unreadable);
  const std::vector<Connection> want = {
      {"127.0.0.1", tcp_port, "0.0.0.0", 0, "LISTEN"},
      {"::1", udp6_port, "::", 0, "NONE"},
  };
  EXPECT_EQ(d->connections, want);
}

}  // namespace
}  // namespace gops::proc
