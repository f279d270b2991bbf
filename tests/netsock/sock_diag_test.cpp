// sock_diag against real sockets of this process: what the kernel says of a
// connection must be what /proc/self/net/tcp says of it.
#include "netsock/sock_diag.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/unique_fd.hpp"

namespace gops::netsock {
namespace {

IpAddress loopback_v4() {
  IpAddress ip;
  ip.bytes[0] = 127;
  ip.bytes[3] = 1;
  return ip;
}

std::uint16_t port_of(int fd, bool peer) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return rc == 0 ? ntohs(a.sin_port) : 0;
}

// A loopback listener, a client connected to it, and the accepted end.
struct Connection {
  UniqueFd listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  UniqueFd client{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  UniqueFd accepted;

  Connection() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listener.get(), 4), 0);
    a.sin_port = htons(port_of(listener.get(), false));
    EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    accepted = UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
};

TEST(SockDiag, FindsTheClientSocketByItsEndpointsWithOwnerAndState) {
  Connection c;
  std::uint16_t client_port = port_of(c.client.get(), false);
  std::uint16_t server_port = port_of(c.listener.get(), false);
  auto found = tcp_socket_by_endpoints(loopback_v4(), client_port, loopback_v4(), server_port);
  ASSERT_TRUE(found) << found.message();
  ASSERT_TRUE(found->has_value());
  const InetSocket& s = **found;
  EXPECT_EQ(s.uid, ::geteuid());
  EXPECT_EQ(s.state, 0x01);  // ESTABLISHED
  EXPECT_EQ(s.local_port, client_port);
  EXPECT_EQ(s.remote_port, server_port);
  EXPECT_EQ(s.local.to_string(), "127.0.0.1");

  // The same socket in /proc/self/net/tcp: same inode.
  auto rows = read_inet_sockets("/proc/self", Kind::kTcp4);
  ASSERT_TRUE(rows) << rows.message();
  bool seen = false;
  for (const auto& r : *rows)
    if (r.local_port == client_port && r.remote_port == server_port) {
      seen = true;
      EXPECT_EQ(r.inode, s.inode);
    }
  EXPECT_TRUE(seen);
}

TEST(SockDiag, AnAbsentTupleIsNotFoundNotAnError) {
  Connection c;
  std::uint16_t server_port = port_of(c.listener.get(), false);
  std::uint16_t client_port = port_of(c.client.get(), false);
  // Swapping a port gives a tuple that no socket has.
  auto found = tcp_socket_by_endpoints(loopback_v4(), server_port, loopback_v4(), client_port == 1 ? 2 : 1);
  ASSERT_TRUE(found) << found.message();
  EXPECT_FALSE(found->has_value());
}

TEST(SockDiag, MixedFamiliesAreRefused) {
  IpAddress v6;
  v6.v6 = true;
  v6.bytes[15] = 1;
  auto found = tcp_socket_by_endpoints(loopback_v4(), 1, v6, 2);
  EXPECT_FALSE(found);
}

TEST(SockDiag, ListenerDumpHasOurListenerAndNoConnection) {
  Connection c;
  std::uint16_t server_port = port_of(c.listener.get(), false);
  auto rows = tcp_sockets_in_states(1u << kTcpListen);
  ASSERT_TRUE(rows) << rows.message();
  int listeners = 0;
  for (const auto& r : *rows) {
    EXPECT_EQ(r.state, kTcpListen);
    if (r.local_port == server_port) ++listeners;
  }
  EXPECT_EQ(listeners, 1);
}

}  // namespace
}  // namespace gops::netsock
