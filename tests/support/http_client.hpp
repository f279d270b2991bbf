// Talking HTTP to an agent in tests: curl (a real client) for status codes
// and bodies, raw bytes for what no client would send, and the ports a
// process listens on (to find an HTTP endpoint bound to port 0).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gops::test {

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

// curl -s http://127.0.0.1:PORT TARGET, with `extra` arguments (-X POST, ...).
HttpResult curl(std::uint16_t port, const std::string& target, const std::vector<std::string>& extra = {});

// The TCP ports `pid` listens on, from its own sockets (/proc/PID/fd).
std::vector<std::uint16_t> listening_ports(pid_t pid);

// The HTTP endpoint of an agent whose gops port is `gops_port`: the other
// port it listens on, waited for; 0 if none shows up.
std::uint16_t http_port_of(pid_t pid, std::uint16_t gops_port,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The gops port from a port file that may not be there yet; 0 on timeout.
std::uint16_t wait_for_port_file(const std::string& path,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace gops::test
