// The owner check: before anything is sent to the port named in a port
// file, make sure that port is a listening TCP socket of that very process
// (its socket inodes in /proc/PID/fd against /proc/PID/net/tcp{,6}). A
// stale port file, a reused PID or a port now held by someone else then
// gives an error instead of a command sent to the wrong process.
#pragma once

#include <cstdint>

#include "client/endpoint.hpp"
#include "common/result.hpp"

namespace gops::client {

// Where to dial PID's agent listening on `port`: the loopback address of
// the listener's family for a wildcard (127.0.0.1 for 0.0.0.0, as the Go
// gops dials; [::1] for [::], which may be IPv6-only), else the address it
// is bound to. An error, and nothing to dial, when that address would reach
// another process's socket. `port_file` is only used in messages.
Result<Endpoint> check_listener(int pid, std::uint16_t port, const std::string& port_file);

}  // namespace gops::client
