#include "proc/connections.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "netsock/net_sockets.hpp"

namespace gops::proc::detail {
namespace {

// gopsutil's duplicate key: "%d-%s:%d-%s:%d-%s" of these.
using Key = std::tuple<std::uint32_t, std::string, std::uint32_t, std::string, std::uint32_t, std::string>;

class Collector {
 public:
  void add(std::uint32_t sock_type, Connection c) {
    Key key{sock_type, c.local_addr, c.local_port, c.remote_addr, c.remote_port, c.status};
    if (seen_.insert(std::move(key)).second) out_.push_back(std::move(c));
  }
  std::vector<Connection> take() { return std::move(out_); }

 private:
  std::set<Key> seen_;
  std::vector<Connection> out_;
};

constexpr std::uint32_t kSockStream = 1;
constexpr std::uint32_t kSockDgram = 2;

}  // namespace

Result<std::vector<Connection>> read_connections(int pid, bool& fds_unreadable) {
  fds_unreadable = false;
  auto inodes = netsock::socket_inodes(pid);
  if (!inodes) {
    // gopsutil returns "no connections" whenever the fd scan finds none,
    // error or not; a vanished process is caught by the caller's reads.
    fds_unreadable = true;
    return std::vector<Connection>{};
  }
  if (inodes->empty()) return std::vector<Connection>{};
  auto owned = [&](std::uint64_t inode) {
    return std::binary_search(inodes->begin(), inodes->end(), inode);
  };

  // The tables of the process's own network namespace.
  const std::string dir = "/proc/" + std::to_string(pid);
  Collector found;
  for (netsock::Kind kind : netsock::kAllKinds) {
    if (kind == netsock::Kind::kUnix) continue;
    auto rows = netsock::read_inet_sockets(dir, kind);
    if (!rows) return rows.error();
    const bool tcp = kind == netsock::Kind::kTcp4 || kind == netsock::Kind::kTcp6;
    for (const auto& s : *rows) {
      if (!owned(s.inode)) continue;
      found.add(tcp ? kSockStream : kSockDgram,
                Connection{s.local.to_string(), s.local_port, s.remote.to_string(), s.remote_port,
                           std::string(netsock::state_name(kind, s.state))});
    }
  }
  auto unix_rows = netsock::read_unix_sockets(dir);
  if (!unix_rows) return unix_rows.error();
  for (auto& row : *unix_rows) {
    if (!owned(row.inode)) continue;
    found.add(row.type, Connection{std::move(row.path), 0, "", 0, "NONE"});
  }
  return found.take();
}

}  // namespace gops::proc::detail
