#include "common/errno_text.hpp"
#include "netsock/sock_diag.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/unique_fd.hpp"

namespace gops::netsock {
namespace {

Error netlink_error(const char* what, int err) {
  return Error{std::string("sock_diag ") + what + ": " + errno_text(err)};
}

InetSocket socket_of(const inet_diag_msg& m) {
  InetSocket s;
  const bool v6 = m.idiag_family == AF_INET6;
  s.kind = v6 ? Kind::kTcp6 : Kind::kTcp4;
  s.local.v6 = s.remote.v6 = v6;
  std::memcpy(s.local.bytes.data(), m.id.idiag_src, v6 ? 16 : 4);  // network order already
  std::memcpy(s.remote.bytes.data(), m.id.idiag_dst, v6 ? 16 : 4);
  s.local_port = ntohs(m.id.idiag_sport);
  s.remote_port = ntohs(m.id.idiag_dport);
  s.state = m.idiag_state;
  s.uid = m.idiag_uid;
  s.inode = m.idiag_inode;
  return s;
}

// Sends one request and appends the sockets of the reply. A dump ends with
// NLMSG_DONE; an exact lookup answers with one socket or with ENOENT.
void bound_wait(const UniqueFd& fd) {
  timeval timeout{1, 0};  // the kernel answers at once; never hang on it
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

Result<UniqueFd> open_netlink() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) return netlink_error("socket", errno);
  bound_wait(fd);
  return fd;
}

Status query(const UniqueFd& fd, const inet_diag_req_v2& request, bool dump, std::vector<InetSocket>& out) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0));
  message.request = request;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return netlink_error("send", errno);

  alignas(nlmsghdr) char buf[32768];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return netlink_error("recv", errno);
    if (n == 0) return Error{"sock_diag: connection closed"};
    int len = static_cast<int>(n);
    // NLMSG_OK checks that each header and its stated length fit in what
    // was received. The kernel's macros compare mixed signs and cast char*
    // (aligned by NLMSG_ALIGN): clang warns where gcc does not.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return Ok{};
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = EPROTO;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
          nlmsgerr e{};
          std::memcpy(&e, NLMSG_DATA(h), sizeof e);
          err = -e.error;
        }
        if (!dump && err == ENOENT) return Ok{};  // no such socket
        return netlink_error(dump ? "dump" : "lookup", err);
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      inet_diag_msg m{};
      std::memcpy(&m, NLMSG_DATA(h), sizeof m);
      out.push_back(socket_of(m));
      if (!dump) return Ok{};
    }
#pragma GCC diagnostic pop
  }
}

}  // namespace

Result<std::vector<InetSocket>> tcp_sockets_in_states(std::uint32_t states) {
  auto fd = open_netlink();
  if (!fd) return fd.error();
  return tcp_sockets_in_states(std::move(*fd), states);
}

Result<std::vector<InetSocket>> tcp_sockets_in_states(UniqueFd netlink, std::uint32_t states) {
  bound_wait(netlink);
  std::vector<InetSocket> out;
  for (std::uint8_t family : {AF_INET, AF_INET6}) {
    inet_diag_req_v2 request{};
    request.sdiag_family = family;
    request.sdiag_protocol = IPPROTO_TCP;
    request.idiag_states = states;
    if (auto s = query(netlink, request, true, out); !s) return s.error();
  }
  return out;
}

Result<std::optional<InetSocket>> tcp_socket_by_endpoints(const IpAddress& local, std::uint16_t local_port,
                                                          const IpAddress& remote, std::uint16_t remote_port) {
  if (local.v6 != remote.v6) return Error{"sock_diag lookup: mixed address families"};
  inet_diag_req_v2 request{};
  request.sdiag_family = local.v6 ? AF_INET6 : AF_INET;
  request.sdiag_protocol = IPPROTO_TCP;
  request.idiag_states = ~0u;
  inet_diag_sockid& id = request.id;
  id.idiag_sport = htons(local_port);
  id.idiag_dport = htons(remote_port);
  std::memcpy(id.idiag_src, local.bytes.data(), local.v6 ? 16 : 4);
  std::memcpy(id.idiag_dst, remote.bytes.data(), remote.v6 ? 16 : 4);
  id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  auto fd = open_netlink();
  if (!fd) return fd.error();
  std::vector<InetSocket> found;
  if (auto s = query(*fd, request, false, found); !s) return s.error();
  // The kernel's lookup falls back to a listener on the local port when no
  // connection matches: only the exact socket counts.
  if (found.empty() || found.front().local_port != local_port || found.front().remote_port != remote_port ||
      !(found.front().local == local) || !(found.front().remote == remote))
    return std::optional<InetSocket>{};
  return std::optional<InetSocket>{found.front()};
}

}  // namespace gops::netsock
