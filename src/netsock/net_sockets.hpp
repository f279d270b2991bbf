// The kernel's socket tables (/proc/PID/net/{tcp,tcp6,udp,udp6,unix}) and the
// socket inodes a process holds (/proc/PID/fd). Shared by the CLI (process
// details, target checks) and the agent (who is connecting?), so it depends
// on the standard library only. Not async-signal-safe: it allocates.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gops::netsock {

enum class Kind { kTcp4, kTcp6, kUdp4, kUdp6, kUnix };

// The order gopsutil (and so the Go gops) lists a process's sockets in.
inline constexpr std::array<Kind, 5> kAllKinds = {Kind::kTcp4, Kind::kTcp6, Kind::kUdp4,
                                                  Kind::kUdp6, Kind::kUnix};

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  bool v6 = false;

  // As Go's net.IP.String(): dotted quad, IPv4-mapped IPv6 as IPv4,
  // other IPv6 in RFC 5952 form ("::1", "fe80::1").
  std::string to_string() const;
  bool is_loopback() const;
  bool operator==(const IpAddress&) const = default;
};

// One row of /proc/net/{tcp,tcp6,udp,udp6}.
struct InetSocket {
  Kind kind = Kind::kTcp4;
  IpAddress local;
  std::uint16_t local_port = 0;
  IpAddress remote;
  std::uint16_t remote_port = 0;
  std::uint8_t state = 0;  // TCP state number (0x0A = LISTEN)
  uid_t uid = 0;
  std::uint64_t inode = 0;
};

inline constexpr std::uint8_t kTcpListen = 0x0A;

// One row of /proc/net/unix.
struct UnixSocket {
  std::uint64_t inode = 0;
  std::uint32_t type = 0;  // SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
  // Empty for unnamed sockets; '@' first for abstract ones. A path with a
  // space splits the row into more fields; like gopsutil (and so the Go
  // gops), such a row reads as having no path.
  std::string path;
};

// `proc_dir` is "/proc/self", "/proc/net"'s owner "/proc/PID" (its network
// namespace), or a test fixture dir laid out the same way. A missing table
// (e.g. no IPv6) reads as empty; an unreadable one is an error.
Result<std::vector<InetSocket>> read_inet_sockets(std::string_view proc_dir, Kind kind);
Result<std::vector<UnixSocket>> read_unix_sockets(std::string_view proc_dir);

// Parses the text of one table; exposed for tests and fuzzing. Malformed
// rows are skipped.
std::vector<InetSocket> parse_inet_table(std::string_view text, Kind kind);
std::vector<UnixSocket> parse_unix_table(std::string_view text);

// Inodes of the sockets open in a process ("socket:[N]" links in
// /proc/PID/fd), sorted. Errors: no such process, permission denied.
Result<std::vector<std::uint64_t>> socket_inodes(int pid);

// TCP state as gopsutil names it ("ESTABLISHED", "LISTEN", ...); "NONE" for
// UDP and unix sockets.
std::string_view state_name(Kind kind, std::uint8_t state);

}  // namespace gops::netsock
