// A process's sockets as gopsutil's net.ConnectionsPid("all", pid) lists
// them, which is what the Go `gops process` prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "proc/process.hpp"

namespace gops::proc::detail {

// One row of /proc/net/unix with the socket type, which netsock's
// UnixSocket does not carry and gopsutil's duplicate check needs.
struct UnixRow {
  std::uint64_t inode = 0;
  std::uint32_t type = 0;  // SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
  std::string path;        // only when the row has exactly 8 fields, as gopsutil reads it
};

// Malformed rows are skipped.
std::vector<UnixRow> parse_unix_rows(std::string_view text);

// The sockets of `pid`: tcp4, tcp6, udp4, udp6, unix, each in table order,
// keeping the first of each (type, laddr, lport, raddr, rport, status).
// A process whose fds cannot be read (another user's) has no sockets here,
// as in gopsutil; `fds_unreadable` says when that happened.
Result<std::vector<Connection>> read_connections(int pid, bool& fds_unreadable);

}  // namespace gops::proc::detail
