#include "agent/server/peer_access.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "netsock/net_sockets.hpp"
#include "netsock/sock_diag.hpp"

namespace gops::agent {
namespace {

struct Endpoint {
  netsock::IpAddress ip;
  std::uint16_t port = 0;
};

bool endpoint_of(const sockaddr_storage& ss, Endpoint& out) {
  out = Endpoint{};
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(out.ip.bytes.data(), &in->sin_addr, 4);
    out.port = ntohs(in->sin_port);
    return true;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    out.ip.v6 = true;
    std::memcpy(out.ip.bytes.data(), &in6->sin6_addr, 16);
    out.port = ntohs(in6->sin6_port);
    return true;
  }
  return false;
}

// The same address whether written as IPv4 or IPv4-mapped IPv6 (a dual-stack
// listener sees v4 clients as ::ffff:a.b.c.d, the table lists them as v4).
bool same(const Endpoint& a, const netsock::IpAddress& ip, std::uint16_t port) {
  return a.port == port && a.ip.to_string() == ip.to_string();
}

bool live(std::uint8_t state) {
  constexpr std::uint8_t kTimeWait = 0x06;  // owner uid is no longer recorded
  return state != kTimeWait && state != netsock::kTcpListen;
}

// A v4-mapped IPv6 endpoint as the IPv4 one the client's socket really is.
Endpoint unmapped(const Endpoint& e) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!e.ip.v6 || std::memcmp(e.ip.bytes.data(), kPrefix, 12) != 0) return e;
  Endpoint out = e;
  out.ip = netsock::IpAddress{};
  std::memcpy(out.ip.bytes.data(), e.ip.bytes.data() + 12, 4);
  return out;
}

struct Owner {
  uid_t uid = 0;
  std::uint8_t state = 0;
};

// The client's socket looked up by its exact 4-tuple (sock_diag: one
// socket, not the whole table). nullopt: not found or netlink unavailable;
// the caller then reads /proc/self/net/tcp{,6}.
std::optional<Owner> owner_by_sock_diag(const Endpoint& client, const Endpoint& server) {
  auto found = netsock::tcp_socket_by_endpoints(client.ip, client.port, server.ip, server.port);
  if (!found || !*found) return std::nullopt;
  return Owner{(*found)->uid, (*found)->state};
}

std::optional<Owner> owner_by_proc_table(const Endpoint& client, const Endpoint& server) {
  for (auto kind : {netsock::Kind::kTcp4, netsock::Kind::kTcp6}) {
    auto rows = netsock::read_inet_sockets("/proc/self", kind);
    if (!rows) continue;
    for (const auto& row : *rows) {
      if (row.state == netsock::kTcpListen || !same(client, row.local, row.local_port) ||
          !same(server, row.remote, row.remote_port))
        continue;
      return Owner{row.uid, row.state};
    }
  }
  return std::nullopt;
}

}  // namespace

PeerVerdict check_peer(int fd, Access access, bool allow_non_loopback) {
  if (access == Access::kAnyone) return {true, {}};
  sockaddr_storage peer_ss{}, self_ss{};
  socklen_t peer_len = sizeof peer_ss, self_len = sizeof self_ss;
  Endpoint peer, self;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer_ss), &peer_len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&self_ss), &self_len) != 0 ||
      !endpoint_of(peer_ss, peer) || !endpoint_of(self_ss, self))
    return {false, "peer address unknown"};
  if (!peer.ip.is_loopback()) {
    if (allow_non_loopback) return {true, {}};
    return {false, "non-loopback peer " + peer.ip.to_string()};
  }

  // The client's own socket: local end = the peer, remote end = us.
  auto owner = owner_by_sock_diag(unmapped(peer), unmapped(self));
  if (!owner) owner = owner_by_proc_table(peer, self);
  if (owner && live(owner->state)) {
    if (owner->uid == ::geteuid() || owner->uid == 0) return {true, {}};
    return {false, "peer socket owned by uid " + std::to_string(owner->uid)};
  }
  return {false, "peer socket not found (sock_diag, /proc/self/net/tcp{,6})"};
}

}  // namespace gops::agent
