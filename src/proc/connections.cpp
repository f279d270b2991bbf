#include "proc/connections.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "netsock/net_sockets.hpp"
#include "proc/proc_file.hpp"

namespace gops::proc::detail {
namespace {

// gopsutil's strings.Fields on a row: runs of spaces and tabs separate.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class T>
bool parse_dec(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

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

std::vector<UnixRow> parse_unix_rows(std::string_view text) {
  std::vector<UnixRow> rows;
  bool header = true;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (header) {
      header = false;
      continue;
    }
    // Num RefCount Protocol Flags Type St Inode [Path]
    auto f = fields(line);
    if (f.size() < 7) continue;
    UnixRow row;
    if (!parse_dec(f[4], row.type) || !parse_dec(f[6], row.inode)) continue;
    // A path with a space splits into more fields; gopsutil then shows none.
    if (f.size() == 8) row.path = std::string(f[7]);
    rows.push_back(std::move(row));
  }
  return rows;
}

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
  auto unix_text = read_whole(pid, "net/unix");
  if (!unix_text) return unix_text.error();
  for (auto& row : parse_unix_rows(*unix_text)) {
    if (!owned(row.inode)) continue;
    found.add(row.type, Connection{std::move(row.path), 0, "", 0, "NONE"});
  }
  return found.take();
}

}  // namespace gops::proc::detail
