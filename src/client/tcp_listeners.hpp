// The listening TCP sockets of our network namespace, for the owner check:
// through sock_diag (netsock/sock_diag.hpp) with a LISTEN-only filter;
// reading /proc/net/tcp made `gops stats PID` cost milliseconds more than
// the exchange itself. If netlink is not available the /proc tables are
// read instead.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::client {

Result<std::vector<netsock::InetSocket>> tcp_listeners(std::string_view proc_dir_fallback);

// The netlink part alone (exposed for tests).
Result<std::vector<netsock::InetSocket>> tcp_listeners_netlink();

}  // namespace gops::client
