// "host:port" (IPv6 as "[addr]:port") to a socket address. Numeric hosts
// only, plus "localhost": the agent never does DNS on its host's behalf.
#pragma once

#include <sys/socket.h>

#include <string_view>

#include "common/result.hpp"

namespace gops::agent {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  bool is_loopback() const;
};

Result<SocketAddress> parse_address(std::string_view text);

}  // namespace gops::agent
