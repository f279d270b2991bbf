// /proc/PID/net/{tcp,tcp6,udp,udp6,unix} tables (netsock/net_sockets.hpp):
// unix socket paths are any bytes a process bound. Each row parsed must
// print (addresses as Go's net.IP.String()).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "netsock/net_sockets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gops::netsock;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Kind kind : {Kind::kTcp4, Kind::kTcp6, Kind::kUdp4, Kind::kUdp6}) {
    for (const InetSocket& row : parse_inet_table(text, kind)) {
      (void)row.local.to_string();
      (void)row.remote.to_string();
      (void)row.local.is_loopback();
    }
  }
  for (const UnixSocket& row : parse_unix_table(text))
    if (row.path.size() > text.size()) __builtin_trap();
  return 0;
}
