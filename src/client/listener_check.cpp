#include "client/listener_check.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "client/tcp_listeners.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::client {
namespace {

Result<std::string> read_link(const std::string& path) {
  char buf[256];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return Error{"readlink " + path + ": " + std::strerror(errno)};
  return std::string(buf, static_cast<std::size_t>(n));
}

bool is_wildcard(const netsock::IpAddress& ip) {
  return std::all_of(ip.bytes.begin(), ip.bytes.begin() + (ip.v6 ? 16 : 4),
                     [](std::uint8_t b) { return b == 0; });
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
  // 127.0.0.1 here is our network namespace's; the port is only the
  // target's if it lives in the same one.
  auto ours = read_link("/proc/self/ns/net");
  auto theirs = read_link("/proc/" + pid_text + "/ns/net");
  if (ours && theirs && *ours != *theirs)
    return Error{"PID " + pid_text + " is in another network namespace: its agent is not reachable from here"};

  bool held_by_other = false;
  auto listeners = tcp_listeners("/proc/" + pid_text);
  if (!listeners) return Error{"cannot check the agent's port: " + listeners.message()};
  for (const auto& row : *listeners) {
    if (row.state != netsock::kTcpListen || row.local_port != port) continue;
    if (!std::binary_search(inodes->begin(), inodes->end(), row.inode)) {
      held_by_other = true;
      continue;
    }
    if (is_wildcard(row.local)) return loopback_endpoint(port);
    return endpoint_for(row.local, port);
  }
  if (held_by_other)
    return Error{"port " + port_text + " from " + port_file + " is held by another process, not PID " +
                 pid_text + " (stale port file or reused PID); nothing was sent"};
  return Error{"PID " + pid_text + " does not listen on port " + port_text + " from " + port_file +
               " (stale port file?); nothing was sent"};
}

}  // namespace gops::client
