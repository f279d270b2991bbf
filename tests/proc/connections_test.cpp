// The sockets read_details reports, for sockets this test opens itself and
// for another process's, compared with what the sockets API says.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "proc/connections.hpp"
#include "proc/process.hpp"
#include "support/process.hpp"

namespace gops::proc {

bool operator==(const Connection& a, const Connection& b) {
  return a.local_addr == b.local_addr && a.local_port == b.local_port && a.remote_addr == b.remote_addr &&
         a.remote_port == b.remote_port && a.status == b.status;
}

void PrintTo(const Connection& c, std::ostream* os) {
  *os << c.local_addr << ":" << c.local_port << " <-> " << c.remote_addr << ":" << c.remote_port << " ("
      << c.status << ")";
}

namespace {

// Owns a socket fd; CLOEXEC so that children spawned by other tests do not
// inherit it.
struct Sock {
  int fd = -1;
  explicit Sock(int domain, int type) : fd(::socket(domain, type | SOCK_CLOEXEC, 0)) {}
  Sock(Sock&& o) noexcept : fd(o.fd) { o.fd = -1; }
  ~Sock() {
    if (fd >= 0) ::close(fd);
  }
};

std::uint32_t port_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

void bind_v4(int fd, std::uint16_t port = 0) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
}

void bind_v6(int fd, const char* ip) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
}

std::ptrdiff_t index_of(const std::vector<Connection>& list, const Connection& c) {
  auto it = std::find(list.begin(), list.end(), c);
  return it == list.end() ? -1 : it - list.begin();
}

TEST(Connections, OwnSocketsInGopsutilsOrderAndForm) {
  Sock tcp_listen(AF_INET, SOCK_STREAM);
  bind_v4(tcp_listen.fd);
  ASSERT_EQ(::listen(tcp_listen.fd, 4), 0);
  const std::uint32_t p_listen = port_of(tcp_listen.fd);

  Sock tcp6_listen(AF_INET6, SOCK_STREAM);
  bind_v6(tcp6_listen.fd, "::1");
  ASSERT_EQ(::listen(tcp6_listen.fd, 4), 0);
  const std::uint32_t p_listen6 = port_of(tcp6_listen.fd);

  // An IPv6 socket bound to an IPv4-mapped address: listed with tcp6, shown
  // as IPv4 (Go's net.IP.String()).
  Sock mapped(AF_INET6, SOCK_STREAM);
  bind_v6(mapped.fd, "::ffff:127.0.0.1");
  ASSERT_EQ(::listen(mapped.fd, 4), 0);
  const std::uint32_t p_mapped = port_of(mapped.fd);

  // A connected pair over loopback.
  Sock client(AF_INET, SOCK_STREAM);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(p_listen));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  const std::uint32_t p_client = port_of(client.fd);
  int accepted = ::accept4(tcp_listen.fd, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  Sock server(AF_INET, SOCK_STREAM);
  ::close(server.fd);
  server.fd = accepted;

  Sock udp(AF_INET, SOCK_DGRAM);
  bind_v4(udp.fd);
  const std::uint32_t p_udp = port_of(udp.fd);
  Sock udp6(AF_INET6, SOCK_DGRAM);
  bind_v6(udp6.fd, "::1");
  const std::uint32_t p_udp6 = port_of(udp6.fd);

  test::TempDir dir;
  const std::string path = dir.path() + "/named.sock";
  Sock named(AF_UNIX, SOCK_STREAM);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::snprintf(un.sun_path, sizeof un.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(named.fd, reinterpret_cast<sockaddr*>(&un), sizeof un), 0);
  ASSERT_EQ(::listen(named.fd, 4), 0);

  const std::string abstract_name = "gops-proc-test-" + std::to_string(::getpid());
  Sock abstract(AF_UNIX, SOCK_DGRAM);
  sockaddr_un ab{};
  ab.sun_family = AF_UNIX;
  std::memcpy(ab.sun_path + 1, abstract_name.data(), abstract_name.size());
  const auto ab_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
  ASSERT_EQ(::bind(abstract.fd, reinterpret_cast<sockaddr*>(&ab), ab_len), 0);

  // Unnamed unix sockets print alike; gopsutil keeps one per socket type.
  int pairs[4][2];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pairs[i]), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pairs[3]), 0);

  auto d = read_details(::getpid());
  for (auto& p : pairs) ::close(p[0]), ::close(p[1]);
  ASSERT_TRUE(d.ok()) << d.message();
  const auto& got = d->connections;

  const Connection want[] = {
      {"127.0.0.1", p_listen, "0.0.0.0", 0, "LISTEN"},
      {"127.0.0.1", p_listen, "127.0.0.1", p_client, "ESTABLISHED"},
      {"127.0.0.1", p_client, "127.0.0.1", p_listen, "ESTABLISHED"},
      {"::1", p_listen6, "::", 0, "LISTEN"},
      {"127.0.0.1", p_mapped, "::", 0, "LISTEN"},
      {"127.0.0.1", p_udp, "0.0.0.0", 0, "NONE"},
      {"::1", p_udp6, "::", 0, "NONE"},
      {path, 0, "", 0, "NONE"},
      {"@" + abstract_name, 0, "", 0, "NONE"},
  };
  for (const auto& c : want) EXPECT_NE(index_of(got, c), -1) << ::testing::PrintToString(c);

  // tcp4 rows, then tcp6, udp4, udp6, unix.
  EXPECT_LT(index_of(got, want[0]), index_of(got, want[3]));
  EXPECT_LT(index_of(got, want[2]), index_of(got, want[4]));
  EXPECT_LT(index_of(got, want[4]), index_of(got, want[5]));
  EXPECT_LT(index_of(got, want[5]), index_of(got, want[6]));
  EXPECT_LT(index_of(got, want[6]), index_of(got, want[7]));
  EXPECT_LT(index_of(got, want[6]), index_of(got, want[8]));

  const Connection unnamed{"", 0, "", 0, "NONE"};
  EXPECT_EQ(std::count(got.begin(), got.end(), unnamed), 2) << "one stream, one datagram";
  EXPECT_EQ(got.size(), std::size(want) + 2) << ::testing::PrintToString(got);
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

TEST(Connections, ParsesUnixRowsAsGopsutil) {
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
  auto rows = detail::parse_unix_rows(table);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].inode, 777u);
  EXPECT_EQ(rows[0].type, 1u);
  EXPECT_EQ(rows[0].path, "/run/x.sock");
  EXPECT_EQ(rows[1].type, 2u);
  EXPECT_EQ(rows[1].path, "");
  EXPECT_EQ(rows[2].type, 5u);
  EXPECT_EQ(rows[2].path, "");  // 9 fields: gopsutil reads no path
  EXPECT_EQ(rows[3].path, "@abstract");
  EXPECT_TRUE(detail::parse_unix_rows("").empty());
  EXPECT_TRUE(detail::parse_unix_rows("header only").empty());
}

}  // namespace
}  // namespace gops::proc
