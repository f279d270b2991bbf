#include "client/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

namespace gops::client {
namespace {

std::string printable(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    sockaddr_in a{};
    std::memcpy(&a, &ss, sizeof a);
    ::inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a.sin_port));
  }
  sockaddr_in6 a{};
  std::memcpy(&a, &ss, sizeof a);
  ::inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
  return "[" + std::string(host) + "]:" + std::to_string(ntohs(a.sin6_port));
}

Endpoint from_sockaddr(const void* sa, socklen_t len) {
  Endpoint e;
  if (len > sizeof e.addr) len = sizeof e.addr;
  std::memcpy(&e.addr, sa, len);
  e.len = len;
  e.display = printable(e.addr);
  return e;
}

}  // namespace

Endpoint endpoint_for(const netsock::IpAddress& ip, std::uint16_t port) {
  static constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool mapped = ip.v6 && std::memcmp(ip.bytes.data(), kV4MappedPrefix, 12) == 0;
  if (!ip.v6 || mapped) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    std::memcpy(&a.sin_addr, ip.bytes.data() + (mapped ? 12 : 0), 4);
    return from_sockaddr(&a, sizeof a);
  }
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  std::memcpy(&a.sin6_addr, ip.bytes.data(), 16);
  return from_sockaddr(&a, sizeof a);
}

Endpoint loopback_endpoint(std::uint16_t port) {
  netsock::IpAddress ip;
  ip.bytes[0] = 127;
  ip.bytes[3] = 1;
  return endpoint_for(ip, port);
}

Result<std::vector<Endpoint>> resolve_host_port(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Error{"couldn't parse dst address: address " + std::string(text) + ": " + why};
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port in address");
  std::string host(text.substr(0, colon));
  std::string port(text.substr(colon + 1));
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return fail("missing ']' in address");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return fail("too many colons in address");
  }
  if (port.empty()) return fail("missing port in address");
  // getaddrinfo takes 99999 and wraps it; Go's resolver says "invalid port".
  if (port.find_first_not_of("0123456789") == std::string::npos &&
      (port.size() > 5 || std::stoul(port) > 65535))
    return fail("invalid port");
  // An empty host means the local system, as with Go's dialer.
  if (host.empty()) host = "127.0.0.1";

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return fail(::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  std::vector<Endpoint> out;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    out.push_back(from_sockaddr(ai->ai_addr, ai->ai_addrlen));
  }
  if (out.empty()) return fail("no IPv4 or IPv6 address");
  return out;
}

}  // namespace gops::client
