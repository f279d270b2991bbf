#include "agent/host/proc_self.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "common/read_file.hpp"

namespace gops::agent {

std::string read_proc_file(const std::string& path, std::size_t limit) {
  std::string out;
  (void)read_file(path.c_str(), out, limit);  // what was read, on an error
  return out;
}

std::optional<std::uint64_t> status_value(std::string_view status, std::string_view key) {
  std::size_t at = 0;
  while (at < status.size()) {
    std::size_t end = status.find('\n', at);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    std::string_view rest = line.substr(key.size() + 1);
    std::size_t first = rest.find_first_not_of(" \t");
    if (first == std::string_view::npos) return std::nullopt;
    rest = rest.substr(first);
    std::uint64_t value = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    std::string_view unit = rest.substr(static_cast<std::size_t>(p - rest.data()));
    if (unit.find("kB") != std::string_view::npos) value *= 1024;
    return value;
  }
  return std::nullopt;
}

int count_dir_entries(const char* path) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

std::optional<double> uptime_seconds() {
  // Field 22 of stat (starttime, clock ticks since boot) comes after the
  // command name, which may hold spaces and parentheses: count from the last ')'.
  std::string stat = read_proc_file("/proc/self/stat");
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(stat).substr(close_paren + 1);
  int field = 2;  // rest starts before field 3
  std::size_t i = 0;
  std::uint64_t start_ticks = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    std::size_t begin = i;
    while (i < rest.size() && rest[i] != ' ') ++i;
    if (i == begin) break;
    if (++field == 22) {
      auto [p, ec] = std::from_chars(rest.data() + begin, rest.data() + i, start_ticks);
      if (ec != std::errc{}) return std::nullopt;
      break;
    }
  }
  if (field != 22) return std::nullopt;
  std::string uptime = read_proc_file("/proc/uptime");
  char* end = nullptr;
  double since_boot = std::strtod(uptime.c_str(), &end);
  if (end == uptime.c_str()) return std::nullopt;
  long hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) return std::nullopt;
  double started = static_cast<double>(start_ticks) / static_cast<double>(hz);
  return since_boot > started ? since_boot - started : 0.0;
}

}  // namespace gops::agent
