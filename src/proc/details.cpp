// `gops process PID`: everything it prints, computed as gopsutil v3 does.
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "proc/connections.hpp"
#include "proc/process.hpp"
#include "proc/proc_file.hpp"
#include "proc/proc_text.hpp"

namespace gops::proc {
namespace {

std::uint64_t clock_ticks() {
  long t = ::sysconf(_SC_CLK_TCK);
  return t > 0 ? static_cast<std::uint64_t>(t) : 100;  // gopsutil's fallback
}

Result<std::uint64_t> boot_time_seconds() {
  auto text = detail::read_system_file("/proc/stat");
  if (!text) return text.error();
  std::uint64_t btime = 0;
  if (!find_number(*text, "btime", btime)) return Error{"no btime line in /proc/stat"};
  return btime;
}

Result<std::uint64_t> mem_total_bytes() {
  auto text = detail::read_system_file("/proc/meminfo");
  if (!text) return text.error();
  std::uint64_t kb = 0;
  if (!find_number(*text, "MemTotal:", kb) || kb == 0) return Error{"no MemTotal line in /proc/meminfo"};
  return kb * 1024;
}

// The name of a UID, or nullopt when the user database has none.
std::optional<std::string> user_name(uid_t uid) {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
  for (;;) {
    passwd pw{};
    passwd* found = nullptr;
    int rc = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return std::string(found->pw_name);
  }
}

// Resident pages from /proc/PID/statm (size resident shared ...), which is
// what gopsutil's MemoryInfo reads. Recent kernels sum the RSS counters
// precisely here but only approximately in the stat line, so the two can
// differ by a few pages.
Result<std::uint64_t> resident_pages(int pid) {
  char buf[256];
  auto n = detail::read_into(pid, "statm", buf, sizeof buf);
  if (!n) return n.error();
  std::string_view text(buf, *n);
  auto space = text.find(' ');
  if (space == std::string_view::npos) return Error{"malformed /proc/" + std::to_string(pid) + "/statm"};
  text.remove_prefix(space + 1);
  std::uint64_t pages = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pages);
  if (ec != std::errc{} || end == text.data() || (end != text.data() + text.size() && *end != ' '))
    return Error{"malformed /proc/" + std::to_string(pid) + "/statm"};
  return pages;
}

double cpu_total_seconds(const StatLine& s, std::uint64_t ticks) {
  // Summed as gopsutil's TimesStat.Total() does: user, system, then iowait.
  const double hz = static_cast<double>(ticks);
  return static_cast<double>(s.utime_ticks) / hz + static_cast<double>(s.stime_ticks) / hz +
         static_cast<double>(s.iowait_ticks) / hz;
}

}  // namespace

Result<double> cpu_seconds(int pid) {
  auto s = read_stat(pid);
  if (!s) return s.error();
  return cpu_total_seconds(*s, clock_ticks());
}

Result<Details> read_details(int pid) {
  auto stat = read_stat(pid);
  if (!stat) return stat.error();
  auto status = detail::read_whole(pid, "status");
  if (!status) return status.error();
  auto cmdline = detail::read_whole(pid, "cmdline");
  if (!cmdline) return cmdline.error();
  auto btime = boot_time_seconds();
  if (!btime) return btime.error();
  auto mem_total = mem_total_bytes();
  if (!mem_total) return mem_total.error();

  Details d;
  d.pid = pid;
  d.ppid = stat->ppid;
  d.threads = stat->num_threads;
  if (!find_number(*status, "Uid:", d.uid))
    return Error{"PID " + std::to_string(pid) + ": no Uid line in /proc/" + std::to_string(pid) + "/status"};
  d.username = user_name(d.uid);
  d.cmdline = join_cmdline(*cmdline);

  const std::uint64_t ticks = clock_ticks();
  // gopsutil: (start_ticks / CLK_TCK, an integer division) + btime, in ms.
  d.create_time_ms = static_cast<std::int64_t>((stat->start_ticks / ticks + *btime) * 1000);

  // gopsutil computes this in float32: 100 * float32(rss) / float32(total).
  auto resident = resident_pages(pid);
  if (!resident) return resident.error();
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const float rss = static_cast<float>(*resident * page);
  d.memory_percent = static_cast<double>(100 * rss / static_cast<float>(*mem_total));

  d.cpu_seconds = cpu_total_seconds(*stat, ticks);
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // In floating point: a hostile start time must not overflow an integer.
  const double alive = static_cast<double>(now_ns) / 1e9 - static_cast<double>(d.create_time_ms) / 1e3;
  d.cpu_percent = alive > 0 ? 100 * d.cpu_seconds / alive : 0;

  auto conns = detail::read_connections(pid, d.connections_unreadable);
  if (!conns && !detail::pid_exists(pid)) return Error{"no process with PID " + std::to_string(pid)};
  if (!conns) return conns.error();
  d.connections = std::move(*conns);

  // The process may have exited while we read; then the answer is stale.
  if (!detail::pid_exists(pid)) return Error{"no process with PID " + std::to_string(pid)};
  return d;
}

}  // namespace gops::proc
