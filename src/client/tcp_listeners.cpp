#include "client/tcp_listeners.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include "netsock/sock_diag.hpp"

namespace gops::client {

Result<std::vector<netsock::InetSocket>> tcp_listeners_netlink(const container::SocketSource& source) {
  auto fd = source.open(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
  if (!fd) return fd.error();
  return netsock::tcp_sockets_in_states(std::move(*fd), 1u << netsock::kTcpListen);
}

Result<std::vector<netsock::InetSocket>> tcp_listeners(std::string_view proc_dir_fallback,
                                                       const container::SocketSource& source) {
  auto rows = tcp_listeners_netlink(source);
  if (rows) return rows;
  // A namespace we could not enter is not read the other way round.
  if (source.other_network()) return rows.error();
  std::vector<netsock::InetSocket> out;
  for (auto kind : {netsock::Kind::kTcp4, netsock::Kind::kTcp6}) {
    auto table = netsock::read_inet_sockets(proc_dir_fallback, kind);
    if (!table) return table.error();
    for (const auto& row : *table)
      if (row.state == netsock::kTcpListen) out.push_back(row);
  }
  return out;
}

}  // namespace gops::client
