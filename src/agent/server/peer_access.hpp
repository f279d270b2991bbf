// Who is on the other end of an accepted connection (access
// control): a loopback client is served only if its socket belongs to this
// process's user or to root, as the kernel's socket table
// (/proc/self/net/tcp, tcp6) records the owner of the client's socket.
#pragma once

#include <string>

#include <gops/agent.hpp>

namespace gops::agent {

struct PeerVerdict {
  bool allowed = false;
  std::string reason;  // why it was refused, for tests and logs
};

// Not async-signal-safe (reads and parses /proc files).
PeerVerdict check_peer(int connection_fd, Access access, bool allow_non_loopback);

}  // namespace gops::agent
