#include "common/errno_text.hpp"
#include "client/listener_check.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "client/tcp_listeners.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::client {
namespace {

// IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it stands for:
// the kernel hands a connection to 127.0.0.1 to either form alike.
netsock::IpAddress normalized(const netsock::IpAddress& ip) {
  static constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!ip.v6 || !std::equal(ip.bytes.begin(), ip.bytes.begin() + 12, kV4MappedPrefix)) return ip;
  netsock::IpAddress v4;
  std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
  return v4;
}

bool is_wildcard(const netsock::IpAddress& ip) {
  return std::all_of(ip.bytes.begin(), ip.bytes.begin() + (ip.v6 ? 16 : 4),
                     [](std::uint8_t b) { return b == 0; });
}

// Where a client reaches a listener bound to `bound`: the loopback address
// of the listener's own family for a wildcard (an IPv6 [::] socket may be
// IPv6-only, so 127.0.0.1 is not promised to reach it), else the address
// itself.
netsock::IpAddress dial_address(const netsock::IpAddress& bound) {
  if (!is_wildcard(bound)) return bound;
  netsock::IpAddress loopback;
  loopback.v6 = bound.v6;
  if (bound.v6)
    loopback.bytes[15] = 1;
  else
    loopback.bytes = {127, 0, 0, 1};
  return loopback;
}

}  // namespace

Result<Endpoint> check_listener(int pid, std::uint16_t port, const std::string& port_file) {
  const std::string pid_text = std::to_string(pid);
  const std::string port_text = std::to_string(port);
  auto inodes = netsock::socket_inodes(pid);
  if (!inodes) {
    if (::kill(pid, 0) != 0 && errno == ESRCH)
      return Error{"port file " + port_file + " is stale: no process with PID " + pid_text};
    return Error{"cannot check that port " + port_text + " belongs to PID " + pid_text + " (" +
                 inodes.message() + "); run gops as that process's user or root, or name the agent " +
                 "as 127.0.0.1:" + port_text + " to skip the check"};
  }
  // 127.0.0.1 is each network namespace's own: for a target in another
  // one (a container) the listeners are read, and later the connection
  // made, with sockets made inside its namespace.
  auto source = container::SocketSource::for_process(pid);
  if (!source) return source.error();
  auto listeners = tcp_listeners("/proc/" + pid_text, *source);
  if (!listeners && source->other_network()) return listeners.error();  // it names the namespace
  if (!listeners) return Error{"cannot check the agent's port: " + listeners.message()};
  std::vector<netsock::IpAddress> targets, others;  // bound addresses on `port`
  for (const auto& row : *listeners) {
    if (row.state != netsock::kTcpListen || row.local_port != port) continue;
    bool targets_own = std::binary_search(inodes->begin(), inodes->end(), row.inode);
    (targets_own ? targets : others).push_back(normalized(row.local));
  }
  if (targets.empty() && !others.empty())
    return Error{"port " + port_text + " from " + port_file + " is held by another process, not PID " +
                 pid_text + " (stale port file or reused PID); nothing was sent"};
  if (targets.empty())
    return Error{"PID " + pid_text + " does not listen on port " + port_text + " from " + port_file +
                 " (stale port file?); nothing was sent"};
  // The address must reach the target's socket and no other: a socket of
  // another process bound to that very address wins over a wildcard (and
  // shares the connections with an equal one).
  for (const auto& bound : targets) {
    netsock::IpAddress dial = dial_address(bound);
    bool contested = std::any_of(others.begin(), others.end(), [&](const netsock::IpAddress& other) {
      return other == dial || other == bound;
    });
    if (!contested) {
      Endpoint endpoint = endpoint_for(dial, port);
      endpoint.display += source->where();
      endpoint.source = *source;
      return endpoint;
    }
  }
  return Error{"port " + port_text + " from " + port_file + " is also held by another process at the address PID " +
               pid_text + " listens on; nothing was sent"};
}

}  // namespace gops::client
