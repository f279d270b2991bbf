#include "common/errno_text.hpp"
#include "common/read_file.hpp"
#include "netsock/net_sockets.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace gops::netsock {
namespace {

std::string_view table_name(Kind kind) {
  switch (kind) {
    case Kind::kTcp4: return "tcp";
    case Kind::kTcp6: return "tcp6";
    case Kind::kUdp4: return "udp";
    case Kind::kUdp6: return "udp6";
    case Kind::kUnix: return "unix";
  }
  return "";
}

// Reads a whole /proc file; /proc sizes are not known in advance.
Result<std::string> slurp(const std::string& path, bool missing_is_empty) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (missing_is_empty && errno == ENOENT) return std::string();
    return Error{"open " + path + ": " + errno_text(errno)};
  }
  std::string out;
  (void)read_all(fd, out);  // what was read, on an error
  ::close(fd);
  return out;
}

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
bool parse_hex(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc{} && end == s.data() + s.size();
}

template <class T>
bool parse_dec(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  return ec == std::errc{} && end == s.data() + s.size();
}

// "0100007F:1F90": the address is 32-bit words, each in host byte order.
bool parse_endpoint(std::string_view s, bool v6, IpAddress& ip, std::uint16_t& port) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = s.substr(0, colon);
  std::size_t words = v6 ? 4 : 1;
  if (hex.size() != words * 8) return false;
  ip = IpAddress{};
  ip.v6 = v6;
  for (std::size_t w = 0; w < words; ++w) {
    std::uint32_t word = 0;
    if (!parse_hex(hex.substr(w * 8, 8), word)) return false;
    std::memcpy(ip.bytes.data() + w * 4, &word, 4);  // host order, as the kernel printed it
  }
  return parse_hex(s.substr(colon + 1), port);
}

void for_each_row(std::string_view text, auto&& fn) {
  bool header = true;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (header) {
      header = false;
      continue;
    }
    fn(line);
  }
}

bool is_v4_mapped(const IpAddress& ip) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return ip.v6 && std::memcmp(ip.bytes.data(), kPrefix, 12) == 0;
}

std::string dotted(const std::uint8_t* b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

}  // namespace

std::string IpAddress::to_string() const {
  if (!v6) return dotted(bytes.data());
  if (is_v4_mapped(*this)) return dotted(bytes.data() + 12);
  std::uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  // The longest run (at least two) of zero groups becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j;
  }
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, groups[i], 16);
    (void)ec;
    out.append(buf, end);
  }
  return out;
}

bool IpAddress::is_loopback() const {
  if (!v6) return bytes[0] == 127;
  if (is_v4_mapped(*this)) return bytes[12] == 127;
  static constexpr std::uint8_t kLoop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(bytes.data(), kLoop6, 16) == 0;
}

std::vector<InetSocket> parse_inet_table(std::string_view text, Kind kind) {
  const bool v6 = kind == Kind::kTcp6 || kind == Kind::kUdp6;
  std::vector<InetSocket> out;
  for_each_row(text, [&](std::string_view line) {
    auto f = fields(line);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.size() < 10) return;
    InetSocket s;
    s.kind = kind;
    unsigned state = 0;
    if (!parse_endpoint(f[1], v6, s.local, s.local_port) ||
        !parse_endpoint(f[2], v6, s.remote, s.remote_port) || !parse_hex(f[3], state) ||
        !parse_dec(f[7], s.uid) || !parse_dec(f[9], s.inode))
      return;
    s.state = static_cast<std::uint8_t>(state);
    out.push_back(s);
  });
  return out;
}

std::vector<UnixSocket> parse_unix_table(std::string_view text) {
  std::vector<UnixSocket> out;
  for_each_row(text, [&](std::string_view line) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    auto f = fields(line);
    if (f.size() < 7) return;
    UnixSocket s;
    if (!parse_dec(f[4], s.type) || !parse_dec(f[6], s.inode)) return;
    if (f.size() == 8) s.path = std::string(f[7]);
    out.push_back(std::move(s));
  });
  return out;
}

Result<std::vector<InetSocket>> read_inet_sockets(std::string_view proc_dir, Kind kind) {
  auto text = slurp(std::string(proc_dir) + "/net/" + std::string(table_name(kind)), true);
  if (!text) return text.error();
  return parse_inet_table(*text, kind);
}

Result<std::vector<UnixSocket>> read_unix_sockets(std::string_view proc_dir) {
  auto text = slurp(std::string(proc_dir) + "/net/unix", true);
  if (!text) return text.error();
  return parse_unix_table(*text);
}

Result<std::vector<std::uint64_t>> socket_inodes(int pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Error{"no process with PID " + std::to_string(pid)};
    return Error{"cannot read " + dir + ": " + errno_text(errno)};
  }
  std::vector<std::uint64_t> out;
  char link[64];
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = ::readlinkat(::dirfd(d), e->d_name, link, sizeof link - 1);
    if (n <= 0) continue;
    std::string_view target(link, static_cast<std::size_t>(n));
    constexpr std::string_view kPrefix = "socket:[";
    if (!target.starts_with(kPrefix) || !target.ends_with(']')) continue;
    std::uint64_t inode = 0;
    if (parse_dec(target.substr(kPrefix.size(), target.size() - kPrefix.size() - 1), inode))
      out.push_back(inode);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view state_name(Kind kind, std::uint8_t state) {
  if (kind != Kind::kTcp4 && kind != Kind::kTcp6) return "NONE";
  switch (state) {
    case 0x01: return "ESTABLISHED";
    case 0x02: return "SYN_SENT";
    case 0x03: return "SYN_RECV";
    case 0x04: return "FIN_WAIT1";
    case 0x05: return "FIN_WAIT2";
    case 0x06: return "TIME_WAIT";
    case 0x07: return "CLOSE";
    case 0x08: return "CLOSE_WAIT";
    case 0x09: return "LAST_ACK";
    case 0x0A: return "LISTEN";
    case 0x0B: return "CLOSING";
  }
  return "";
}

}  // namespace gops::netsock
