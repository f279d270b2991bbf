#include "client/tcp_listeners.hpp"

#include "netsock/sock_diag.hpp"

namespace gops::client {

Result<std::vector<netsock::InetSocket>> tcp_listeners_netlink() {
  return netsock::tcp_sockets_in_states(1u << netsock::kTcpListen);
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
