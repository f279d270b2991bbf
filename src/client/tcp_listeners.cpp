#include "client/tcp_listeners.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client/errno_text.hpp"
#include "common/unique_fd.hpp"

namespace gops::client {
namespace {

constexpr int kTcpListenState = 10;  // TCP_LISTEN in the kernel's numbering


Error netlink_error(const char* what, int err) { return Error{std::string("sock_diag ") + what + ": " + errno_text(err)}; }

// One dump request for one address family; appends the replies to `out`.
Status dump_family(int fd, std::uint8_t family, std::vector<netsock::InetSocket>& out) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.req.sdiag_family = family;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = 1u << kTcpListenState;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return netlink_error("send", errno);

  alignas(nlmsghdr) char buf[32768];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return netlink_error("recv", errno);
    if (n == 0) return Error{"sock_diag: connection closed"};
    int len = static_cast<int>(n);
    // NLMSG_OK checks that each header and its stated length fit in what
    // was received.
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return Ok{};
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = EPROTO;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
          nlmsgerr e{};
          std::memcpy(&e, NLMSG_DATA(h), sizeof e);
          err = -e.error;
        }
        return netlink_error("dump", err);
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      inet_diag_msg m{};
      std::memcpy(&m, NLMSG_DATA(h), sizeof m);
      netsock::InetSocket s;
      const bool v6 = m.idiag_family == AF_INET6;
      s.kind = v6 ? netsock::Kind::kTcp6 : netsock::Kind::kTcp4;
      s.local.v6 = v6;
      std::memcpy(s.local.bytes.data(), m.id.idiag_src, v6 ? 16 : 4);  // network order already
      s.local_port = ntohs(m.id.idiag_sport);
      s.state = m.idiag_state;
      s.uid = m.idiag_uid;
      s.inode = m.idiag_inode;
      out.push_back(s);
    }
  }
}

}  // namespace

Result<std::vector<netsock::InetSocket>> tcp_listeners_netlink() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) return netlink_error("socket", errno);
  std::vector<netsock::InetSocket> out;
  for (std::uint8_t family : {AF_INET, AF_INET6})
    if (auto s = dump_family(fd.get(), family, out); !s) return s.error();
  return out;
}

Result<std::vector<netsock::InetSocket>> tcp_listeners(std::string_view proc_dir_fallback) {
  if (auto rows = tcp_listeners_netlink()) return rows;
  std::vector<netsock::InetSocket> out;
  for (auto kind : {netsock::Kind::kTcp4, netsock::Kind::kTcp6}) {
    auto rows = netsock::read_inet_sockets(proc_dir_fallback, kind);
    if (!rows) return rows.error();
    for (const auto& row : *rows)
      if (row.state == netsock::kTcpListen) out.push_back(row);
  }
  return out;
}

}  // namespace gops::client
