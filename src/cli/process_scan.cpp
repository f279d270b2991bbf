#include "cli/process_scan.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "binfmt/go_info.hpp"
#include "proc/process.hpp"
#include "protocol/port_file.hpp"

namespace gops::cli {
namespace {

// Identity of an executable's contents: a rebuilt binary at the same path
// gets a new inode or mtime, so it is read again.
using FileKey = std::tuple<dev_t, ino_t, off_t, std::int64_t, long>;

struct Inspected {
  bool ok = false;
  std::string error;
  binfmt::ExecutableInfo info;
};

std::optional<int> parse_pid(const char* name) {
  int pid = 0;
  const char* end = name + std::strlen(name);
  auto [p, ec] = std::from_chars(name, end, pid);
  if (ec != std::errc{} || p != end || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

std::set<int> agent_pids() {
  std::set<int> pids;
  auto dir = protocol::config_dir(protocol::process_env());
  if (!dir) return pids;
  DIR* d = ::opendir(dir->c_str());
  if (d == nullptr) return pids;
  while (dirent* e = ::readdir(d)) {
    if (auto pid = parse_pid(e->d_name)) pids.insert(*pid);
  }
  ::closedir(d);
  return pids;
}

ScanResult scan_processes() {
  ScanResult result;
  const std::set<int> agents = agent_pids();
  std::map<FileKey, Inspected> cache;

  for (int pid : proc::list_pids()) {
    auto stat = proc::read_stat(pid);
    if (!stat) continue;  // gone since the directory was read
    const bool agent = agents.contains(pid);

    // Read through /proc/PID/exe rather than the link's target: it works for
    // deleted binaries and for processes in other mount namespaces.
    const std::string exe_link = "/proc/" + std::to_string(pid) + "/exe";
    struct stat st {};
    if (::stat(exe_link.c_str(), &st) != 0) {
      // Kernel threads have no executable; anything else is worth a word.
      if (errno != ENOENT) result.skipped.push_back("PID " + std::to_string(pid) + ": " + exe_link + ": " + std::strerror(errno));
      continue;
    }
    FileKey key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    auto [it, inserted] = cache.try_emplace(key);
    Inspected& seen = it->second;
    if (inserted) {
      ++result.executables_read;
      // The toolchain is only shown for agent processes; agents are few, so
      // it is looked up only when this first reader is one.
      auto info = binfmt::inspect_executable(exe_link, agent);
      if (info) {
        seen.ok = true;
        seen.info = std::move(*info);
      } else {
        seen.error = info.message();
      }
    } else if (agent && seen.ok && !seen.info.go && !seen.info.toolchain) {
      if (auto info = binfmt::inspect_executable(exe_link, true); info) seen.info = std::move(*info);
    }
    if (!seen.ok) {
      result.skipped.push_back("PID " + std::to_string(pid) + ": " + seen.error);
      continue;
    }
    if (!seen.info.go && !agent) continue;

    ListedProcess p;
    p.pid = pid;
    p.ppid = stat->ppid;
    p.agent = agent;
    p.go = seen.info.go.has_value();
    p.name = proc::display_name(pid, stat->comm);
    auto path = proc::exe_path(pid);
    p.path = path ? *path : exe_link;
    if (p.go) {
      p.version = seen.info.go->go_version;
    } else {
      p.version = seen.info.toolchain.value_or("unknown");
    }
    result.processes.push_back(std::move(p));
  }
  return result;
}

}  // namespace gops::cli
