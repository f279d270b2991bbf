#include "socket_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ostream>

namespace gops::proc {

bool operator==(const Connection& a, const Connection& b) {
  return a.local_addr == b.local_addr && a.local_port == b.local_port && a.remote_addr == b.remote_addr &&
         a.remote_port == b.remote_port && a.status == b.status;
}

std::string to_text(const Connection& c) {
  return c.local_addr + ":" + std::to_string(c.local_port) + " <-> " + c.remote_addr + ":" +
         std::to_string(c.remote_port) + " (" + c.status + ")";
}

void PrintTo(const Connection& c, std::ostream* os) { *os << to_text(c); }

namespace {

std::uint32_t port_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

sockaddr_in v4_loopback(std::uint32_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool bind_v6(int fd, const char* ip) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  return ::inet_pton(AF_INET6, ip, &a.sin6_addr) == 1 &&
         ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace

int SocketFixture::open_socket(int domain, int type) {
  int fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
  if (fd >= 0) fds_.push_back(fd);
  return fd;
}

void SocketFixture::fail(const std::string& what) {
  if (error_.empty()) error_ = what + ": " + std::strerror(errno);
}

SocketFixture::SocketFixture() { open_all(); }

void SocketFixture::open_all() {
  // TCP over IPv4: a listener and a connection to it (both ends are ours).
  int listener = open_socket(AF_INET, SOCK_STREAM);
  sockaddr_in any_port = v4_loopback(0);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&any_port), sizeof any_port) != 0 || ::listen(listener, 4) != 0)
    return fail("tcp4 listen");
  const std::uint32_t p_listen = port_of(listener);
  int client = open_socket(AF_INET, SOCK_STREAM);
  sockaddr_in to = v4_loopback(p_listen);
  if (::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return fail("tcp4 connect");
  int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (server < 0) return fail("tcp4 accept");
  fds_.push_back(server);
  const std::uint32_t p_client = port_of(client);

  // TCP over IPv6, and an IPv6 socket on an IPv4-mapped address (listed
  // with tcp6, shown as IPv4 as Go's net.IP.String() does).
  int listener6 = open_socket(AF_INET6, SOCK_STREAM);
  if (!bind_v6(listener6, "::1") || ::listen(listener6, 4) != 0) return fail("tcp6 listen");
  int mapped = open_socket(AF_INET6, SOCK_STREAM);
  if (!bind_v6(mapped, "::ffff:127.0.0.1") || ::listen(mapped, 4) != 0) return fail("tcp6 mapped listen");

  int udp = open_socket(AF_INET, SOCK_DGRAM);
  if (::bind(udp, reinterpret_cast<sockaddr*>(&any_port), sizeof any_port) != 0) return fail("udp4 bind");
  int udp6 = open_socket(AF_INET6, SOCK_DGRAM);
  if (!bind_v6(udp6, "::1")) return fail("udp6 bind");

  const std::string path = dir_.path() + "/named.sock";
  int named = open_socket(AF_UNIX, SOCK_STREAM);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::snprintf(un.sun_path, sizeof un.sun_path, "%s", path.c_str());
  if (::bind(named, reinterpret_cast<sockaddr*>(&un), sizeof un) != 0 || ::listen(named, 4) != 0)
    return fail("unix bind");

  const std::string abstract_name = "gops-proc-test-" + std::to_string(::getpid());
  int abstract = open_socket(AF_UNIX, SOCK_DGRAM);
  sockaddr_un ab{};
  ab.sun_family = AF_UNIX;
  std::memcpy(ab.sun_path + 1, abstract_name.data(), abstract_name.size());
  const auto ab_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
  if (::bind(abstract, reinterpret_cast<sockaddr*>(&ab), ab_len) != 0) return fail("abstract bind");

  for (int type : {SOCK_STREAM, SOCK_STREAM, SOCK_STREAM, SOCK_DGRAM}) {
    int pair[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, pair) != 0) return fail("socketpair");
    fds_.push_back(pair[0]);
    fds_.push_back(pair[1]);
  }

  expected_ = {
      {"127.0.0.1", p_listen, "0.0.0.0", 0, "LISTEN"},
      {"127.0.0.1", p_listen, "127.0.0.1", p_client, "ESTABLISHED"},
      {"127.0.0.1", p_client, "127.0.0.1", p_listen, "ESTABLISHED"},
      {"::1", port_of(listener6), "::", 0, "LISTEN"},
      {"127.0.0.1", port_of(mapped), "::", 0, "LISTEN"},
      {"127.0.0.1", port_of(udp), "0.0.0.0", 0, "NONE"},
      {"::1", port_of(udp6), "::", 0, "NONE"},
      {path, 0, "", 0, "NONE"},
      {"@" + abstract_name, 0, "", 0, "NONE"},
  };
}

SocketFixture::~SocketFixture() {
  for (int fd : fds_) ::close(fd);
}

}  // namespace gops::proc
