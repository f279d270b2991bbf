// The listening TCP sockets of our network namespace, for the owner check.
//
// Asked of the kernel through sock_diag netlink with a LISTEN-only state
// filter, so the cost is in the number of listeners. /proc/net/tcp lists
// every socket (thousands of TIME_WAIT ones on a busy machine) and the
// kernel re-walks its tables for each read, which made `gops stats PID`
// cost milliseconds more than the exchange itself. If netlink is not
// available the /proc tables are read instead.
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
