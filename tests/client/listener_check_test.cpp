// The owner check against sockets this test process really holds.
#include "client/listener_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "support/peer_sockets.hpp"
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
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  TcpPeer v6(TcpPeer::Mode::kRecord, {}, true);
  auto e6 = check_listener(getpid(), v6.port(), "pf");
  ASSERT_TRUE(e6) << e6.message();
  EXPECT_EQ(e6->display, "[::1]:" + std::to_string(v6.port()));
}

// A listener on the wildcard address of `family`, IPv6-only for AF_INET6.
struct WildcardListener {
  explicit WildcardListener(int family) {
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss{};
    socklen_t len = family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    ss.ss_family = static_cast<sa_family_t>(family);
    int on = 1;
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 4) != 0) return;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ~WildcardListener() { close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

TEST(CheckListener, AWildcardListenerIsDialedOnTheLoopbackOfItsOwnFamily) {
  WildcardListener v4(AF_INET);
  ASSERT_NE(v4.port, 0);
  auto e = check_listener(getpid(), v4.port, "pf");
  ASSERT_TRUE(e) << e.message();
  EXPECT_EQ(e->display, "127.0.0.1:" + std::to_string(v4.port));
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  // [::] may be IPv6-only (it is here): 127.0.0.1 would not reach it.
  WildcardListener v6(AF_INET6);
  ASSERT_NE(v6.port, 0);
  auto e6 = check_listener(getpid(), v6.port, "pf");
  ASSERT_TRUE(e6) << e6.message();
  EXPECT_EQ(e6->display, "[::1]:" + std::to_string(v6.port));
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

#include "client/tcp_listeners.hpp"

namespace gops::client {
namespace {

TEST(TcpListeners, NetlinkAgreesWithProcNetTcp) {
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  TcpPeer v4(TcpPeer::Mode::kRecord);
  TcpPeer v6(TcpPeer::Mode::kRecord, {}, true);
  auto nl = tcp_listeners_netlink();
  ASSERT_TRUE(nl) << nl.message();
  std::vector<netsock::InetSocket> proc;
  for (auto kind : {netsock::Kind::kTcp4, netsock::Kind::kTcp6}) {
    auto rows = netsock::read_inet_sockets("/proc/self", kind);
    ASSERT_TRUE(rows) << rows.message();
    for (const auto& r : *rows)
      if (r.state == netsock::kTcpListen) proc.push_back(r);
  }
  auto key = [](const netsock::InetSocket& s) {
    return std::to_string(s.inode) + " " + s.local.to_string() + ":" + std::to_string(s.local_port) + " " +
           std::to_string(s.uid) + (s.kind == netsock::Kind::kTcp6 ? " v6" : " v4");
  };
  // Only our own two listeners: other processes on the machine may open
  // and close theirs between the two reads.
  auto mine = [&](const netsock::InetSocket& s) { return s.local_port == v4.port() || s.local_port == v6.port(); };
  std::vector<std::string> a, b;
  for (const auto& s : *nl)
    if (mine(s)) a.push_back(key(s));
  for (const auto& s : proc)
    if (mine(s)) b.push_back(key(s));
  EXPECT_EQ(a.size(), 2u);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  auto inodes = netsock::socket_inodes(getpid());
  ASSERT_TRUE(inodes);
  int ours = 0;
  for (const auto& s : *nl)
    if ((s.local_port == v4.port() || s.local_port == v6.port()) &&
        std::binary_search(inodes->begin(), inodes->end(), s.inode))
      ++ours;
  EXPECT_EQ(ours, 2);
}

}  // namespace
}  // namespace gops::client
