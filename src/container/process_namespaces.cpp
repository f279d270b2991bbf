#include "container/process_namespaces.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace gops::container {
namespace {

std::optional<struct stat> stat_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// The numbers on a status line after its "Name:".
std::vector<long> numbers_after(std::string_view text, std::string_view key) {
  std::vector<long> out;
  std::size_t at = 0;  // the start of a line
  while (!text.substr(at).starts_with(key)) {
    at = text.find('\n', at);
    if (at == std::string_view::npos) return out;
    ++at;
  }
  std::string_view line = text.substr(at + key.size());
  line = line.substr(0, line.find('\n'));
  const char* p = line.data();
  const char* end = line.data() + line.size();
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    long v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc{}) break;
    out.push_back(v);
    p = next;
  }
  return out;
}

}  // namespace

std::optional<bool> shares_namespace(int pid, const char* kind) {
  auto ours = stat_of(std::string("/proc/self/ns/") + kind);
  auto theirs = stat_of("/proc/" + std::to_string(pid) + "/ns/" + kind);
  if (!ours || !theirs) return std::nullopt;
  return same_file(*ours, *theirs);
}

bool shares_file_system_view(int pid) {
  if (shares_namespace(pid, "mnt") != std::optional<bool>(true)) return false;
  auto ours = stat_of("/");
  auto theirs = stat_of("/proc/" + std::to_string(pid) + "/root");
  return ours && theirs && same_file(*ours, *theirs);
}

ProcessIds process_ids(int pid) {
  ProcessIds ids;
  ids.ns_pid = pid;
  UniqueFd fd(::open(("/proc/" + std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ids;
  // Status is a few KiB; what we need is in its first half.
  char buf[8192];
  std::size_t used = 0;
  while (used < sizeof buf) {
    ssize_t n = ::read(fd.get(), buf + used, sizeof buf - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  std::string_view text(buf, used);
  for (long uid : numbers_after(text, "Uid:"))
    if (uid >= 0) ids.uids.push_back(static_cast<uid_t>(uid));
  auto nspids = numbers_after(text, "NSpid:");
  if (!nspids.empty() && nspids.back() > 0) ids.ns_pid = static_cast<int>(nspids.back());
  return ids;
}

int pid_in_own_namespace(int pid) {
  if (shares_namespace(pid, "pid") == std::optional<bool>(true)) return pid;
  return process_ids(pid).ns_pid;
}

}  // namespace gops::container
