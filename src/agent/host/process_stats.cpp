#include "agent/host/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "agent/host/proc_self.hpp"

namespace gops::agent {
namespace {

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
    std::size_t begin = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\n') ++i;
    if (i > begin) out.push_back(s.substr(begin, i - begin));
  }
  return out;
}

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double limit_value(int resource) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0) return 0;
  // procfs reads "unlimited" as the largest uint64, and client_golang
  // reports that as a float.
  return limit.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : static_cast<double>(limit.rlim_cur);
}

// Seconds since the epoch at boot ("btime" of /proc/stat), read once.
std::uint64_t boot_time() {
  static const std::uint64_t btime = [] {
    std::string stat = read_proc_file("/proc/stat", 1 << 20);
    std::size_t at = stat.find("\nbtime ");
    return at == std::string::npos ? 0 : to_u64(std::string_view(stat).substr(at + 7));
  }();
  return btime;
}

// The values under "IpExt:" in /proc/self/net/netstat (a header line of
// names, then a line of values).
void read_ip_octets(ProcessStats& out) {
  std::string netstat = read_proc_file("/proc/self/net/netstat");
  std::size_t names_at = netstat.find("IpExt: ");
  if (names_at == std::string::npos) return;
  std::size_t values_at = netstat.find("IpExt: ", names_at + 7);
  if (values_at == std::string::npos) return;
  auto line = [&](std::size_t at) {
    std::size_t end = netstat.find('\n', at);
    return std::string_view(netstat).substr(at + 7, (end == std::string::npos ? netstat.size() : end) - at - 7);
  };
  std::vector<std::string_view> names = split_spaces(line(names_at)), values = split_spaces(line(values_at));
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (names[i] == "InOctets") out.network_receive_bytes = to_u64(values[i]);
    if (names[i] == "OutOctets") out.network_transmit_bytes = to_u64(values[i]);
  }
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  std::string stat = read_proc_file("/proc/self/stat");
  // The command name may hold spaces and parentheses: fields are counted
  // from the last ')'; fields[0] is field 3 (state).
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::vector<std::string_view> fields = split_spaces(std::string_view(stat).substr(close_paren + 1));
  if (fields.size() < 22) return std::nullopt;
  auto field = [&](int n) { return to_u64(fields[static_cast<std::size_t>(n - 3)]); };
  static const double user_hz = static_cast<double>(::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100);
  static const std::uint64_t page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcessStats out;
  out.cpu_seconds = static_cast<double>(field(14) + field(15)) / user_hz;
  out.threads = static_cast<int>(field(20));
  out.start_time_seconds = static_cast<double>(boot_time()) + static_cast<double>(field(22)) / user_hz;
  out.virtual_bytes = field(23);
  out.resident_bytes = field(24) * page_size;
  out.open_fds = count_dir_entries("/proc/self/fd");
  out.max_fds = limit_value(RLIMIT_NOFILE);
  out.max_virtual_bytes = limit_value(RLIMIT_AS);
  read_ip_octets(out);
  return out;
}

}  // namespace gops::agent
