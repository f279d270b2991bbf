// The listening TCP sockets of a network namespace, for the owner check:
// through sock_diag (netsock/sock_diag.hpp) with a LISTEN-only filter;
// reading /proc/net/tcp made `gops stats PID` cost milliseconds more than
// the exchange itself. If netlink is not available the /proc tables are
// read instead.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "container/socket_source.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::client {

// The listeners of the namespace `source` makes sockets in (ours by
// default); `proc_dir_fallback` ("/proc/PID") names a process of that
// namespace whose /proc tables are read if netlink fails.
Result<std::vector<netsock::InetSocket>> tcp_listeners(std::string_view proc_dir_fallback,
                                                       const container::SocketSource& source = {});

// The netlink part alone (exposed for tests).
Result<std::vector<netsock::InetSocket>> tcp_listeners_netlink(const container::SocketSource& source = {});

}  // namespace gops::client
