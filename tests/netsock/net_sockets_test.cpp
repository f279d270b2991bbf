#include "netsock/net_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace gops::netsock {
namespace {

TEST(NetSockets, ParsesKernelRows) {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n"
      "   1: garbage row\n";
  auto rows = parse_inet_table(tcp, Kind::kTcp4);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].local.to_string(), "127.0.0.1");
  EXPECT_EQ(rows[0].local_port, 8080);
  EXPECT_EQ(rows[0].remote.to_string(), "0.0.0.0");
  EXPECT_EQ(rows[0].state, kTcpListen);
  EXPECT_EQ(rows[0].uid, 1000u);
  EXPECT_EQ(rows[0].inode, 4242u);
  EXPECT_TRUE(rows[0].local.is_loopback());
  EXPECT_EQ(state_name(Kind::kTcp4, rows[0].state), "LISTEN");
  EXPECT_EQ(state_name(Kind::kUdp4, 7), "NONE");
}

TEST(NetSockets, FormatsIpv6AsGoDoes) {
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11 1\n"
      "   1: 0000000000000000FFFF00000100007F:0016 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 12 1\n"
      "   2: 000080FE00000000000000000100000A:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 13 1\n";
  auto rows = parse_inet_table(tcp6, Kind::kTcp6);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].local.to_string(), "::1");
  EXPECT_TRUE(rows[0].local.is_loopback());
  EXPECT_EQ(rows[0].remote.to_string(), "::");
  EXPECT_EQ(rows[1].local.to_string(), "127.0.0.1");
  EXPECT_TRUE(rows[1].local.is_loopback());
  EXPECT_EQ(rows[2].local.to_string(), "fe80::a00:1");
  EXPECT_FALSE(rows[2].local.is_loopback());
}

TEST(NetSockets, ParsesUnixRowsAsGopsutil) {
  const char* table =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000000000000: 00000002 00000000 00010000 0001 01 777 /run/x.sock\n"
      "0000000000000000: 00000002 00000000 00000000 0002 03 778\n"
      "0000000000000000: 00000002 00000000 00000000 0005 03 779 /tmp/with space.sock\n"
      "0000000000000000: 00000002 00000000 00000000 0001 01 780 @abstract\n"
      "0000000000000000: 00000002 00000000 00000000 00x1 01 781 /bad/type\n"
      "0000000000000000: 00000002 00000000 00000000 0001 01\n"
      "0000000000000000: 00000002 00000000 00000000 0001 01 99999999999999999999999 /too/big\n"
      "\n";
  auto rows = parse_unix_table(table);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].inode, 777u);
  EXPECT_EQ(rows[0].type, 1u);
  EXPECT_EQ(rows[0].path, "/run/x.sock");
  EXPECT_EQ(rows[1].type, 2u);
  EXPECT_EQ(rows[1].path, "");
  EXPECT_EQ(rows[2].type, 5u);
  EXPECT_EQ(rows[2].path, "");  // 9 fields: gopsutil reads no path
  EXPECT_EQ(rows[3].path, "@abstract");
  EXPECT_TRUE(parse_unix_table("").empty());
  EXPECT_TRUE(parse_unix_table("header only").empty());
}

// A real listening socket of this process shows in the table and in its fds.
TEST(NetSockets, FindsOwnListeningSocket) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);

  auto table = read_inet_sockets("/proc/self", Kind::kTcp4);
  ASSERT_TRUE(table.ok()) << table.message();
  auto row = std::find_if(table->begin(), table->end(),
                          [&](const InetSocket& s) { return s.local_port == port && s.state == kTcpListen; });
  ASSERT_NE(row, table->end());
  EXPECT_EQ(row->uid, ::getuid());
  auto inodes = socket_inodes(::getpid());
  ASSERT_TRUE(inodes.ok());
  EXPECT_TRUE(std::binary_search(inodes->begin(), inodes->end(), row->inode));
  ::close(fd);

  EXPECT_FALSE(socket_inodes(999999999).ok());
}

}  // namespace
}  // namespace gops::netsock
