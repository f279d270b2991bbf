// The owner check against sockets this test process really holds.
#include "client/listener_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "client/peer_sockets.hpp"
#include "support/process.hpp"

namespace gops::client {
namespace {

using ::testing::HasSubstr;
using test::TcpPeer;

TEST(CheckListener, OwnLoopbackListenerIsDialedWhereItListens) {
  TcpPeer v4(TcpPeer::Mode::kRecord);
  auto e = check_listener(getpid(), v4.port(), "pf");
  ASSERT_TRUE(e) << e.message();
  EXPECT_EQ(e->display, "127.0.0.1:" + std::to_string(v4.port()));
  TcpPeer v6(TcpPeer::Mode::kRecord, {}, true);
  auto e6 = check_listener(getpid(), v6.port(), "pf");
  ASSERT_TRUE(e6) << e6.message();
  EXPECT_EQ(e6->display, "[::1]:" + std::to_string(v6.port()));
}

TEST(CheckListener, PortOfAnotherProcess) {
  TcpPeer mine(TcpPeer::Mode::kRecord);
  auto other = test::Child::spawn({"sleep", "60"});
  ASSERT_TRUE(test::wait_until_exec(other.pid(), "sleep"));  // no longer holding our fds
  auto e = check_listener(other.pid(), mine.port(), "/x/pf");
  ASSERT_FALSE(e);
  EXPECT_THAT(e.message(), HasSubstr("port " + std::to_string(mine.port()) +
                                     " from /x/pf is held by another process, not PID " +
                                     std::to_string(other.pid())));
}

TEST(CheckListener, PortNobodyListensOn) {
  auto e = check_listener(getpid(), test::unused_port(), "pf");
  ASSERT_FALSE(e);
  EXPECT_THAT(e.message(), HasSubstr("does not listen on port"));
}

TEST(CheckListener, DeadProcess) {
  auto gone = test::Child::spawn({"true"});
  int pid = gone.pid();
  ASSERT_TRUE(gone.wait().has_value());
  auto e = check_listener(pid, 1234, "/x/pf");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.message(), "port file /x/pf is stale: no process with PID " + std::to_string(pid));
}

TEST(CheckListener, UnreadableProcessIsSaidNotSkipped) {
  // PID 1's fd dir is readable only by root (and by its owner).
  if (geteuid() == 0) GTEST_SKIP() << "root can read every /proc/PID/fd";
  auto e = check_listener(1, 1234, "pf");
  ASSERT_FALSE(e);
  EXPECT_THAT(e.message(), HasSubstr("cannot check that port 1234 belongs to PID 1"));
}

}  // namespace
}  // namespace gops::client
