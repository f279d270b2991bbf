// A process's sockets as gopsutil's net.ConnectionsPid("all", pid) lists
// them, which is what the Go `gops process` prints.
#pragma once

#include <vector>

#include "common/result.hpp"
#include "proc/process.hpp"

namespace gops::proc::detail {

// The sockets of `pid`: tcp4, tcp6, udp4, udp6, unix, each in table order,
// keeping the first of each (type, laddr, lport, raddr, rport, status).
// A process whose fds cannot be read (another user's) has no sockets here,
// as in gopsutil; `fds_unreadable` says when that happened.
Result<std::vector<Connection>> read_connections(int pid, bool& fds_unreadable);

}  // namespace gops::proc::detail
