// TCP sockets asked of the kernel through sock_diag netlink instead of
// read from /proc/net/tcp{,6}. The kernel filters for us: a dump of the
// listeners costs in the number of listeners, a lookup by 4-tuple costs one
// socket, where /proc/net/tcp lists every socket (thousands of TIME_WAIT
// ones on a busy machine) and re-walks the tables on each read. Callers
// fall back to the /proc tables when netlink is unavailable.
// Not async-signal-safe: it allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::netsock {

// The TCP sockets of this network namespace in one of `states` (a bit per
// TCP state number, e.g. 1u << kTcpListen), IPv4 and IPv6.
Result<std::vector<InetSocket>> tcp_sockets_in_states(std::uint32_t states);

// The same through a NETLINK_SOCK_DIAG socket the caller made: the dump
// covers the network namespace that socket was made in (the CLI makes it
// inside a container's namespace to see that container's listeners).
Result<std::vector<InetSocket>> tcp_sockets_in_states(UniqueFd netlink, std::uint32_t states);

// The TCP socket whose local end is `local` and remote end `remote` (both
// IPv4, or both IPv6), if there is one. Exact: a listener on the local
// port does not match.
Result<std::optional<InetSocket>> tcp_socket_by_endpoints(const IpAddress& local, std::uint16_t local_port,
                                                          const IpAddress& remote, std::uint16_t remote_port);

}  // namespace gops::netsock
