// A TCP address to dial, kept as the socket API wants it plus a printable
// form for messages ("127.0.0.1:4321", "[::1]:4321").
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "container/socket_source.hpp"
#include "netsock/net_sockets.hpp"

namespace gops::client {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string display;
  // Where the socket that dials it is made: in a container's network
  // namespace for an agent found in one.
  container::SocketSource source;
};

// An endpoint for an address read from /proc (netsock) and a port.
Endpoint endpoint_for(const netsock::IpAddress& ip, std::uint16_t port);

// 127.0.0.1:port, where the Go gops dials a local agent.
Endpoint loopback_endpoint(std::uint16_t port);

// Resolves "host:port", "[v6]:port" or "name:port" (numeric or service
// port) like Go's net.ResolveTCPAddr; every address the name has, in the
// resolver's order. Errors read "couldn't parse dst address: ...".
Result<std::vector<Endpoint>> resolve_host_port(std::string_view text);

}  // namespace gops::client
