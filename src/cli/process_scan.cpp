#include "common/pid.hpp"
#include "cli/process_scan.hpp"

#include <dirent.h>

#include <charconv>
#include <cstring>
#include <map>
#include <optional>

#include "binfmt/go_info.hpp"
#include "client/port_lookup.hpp"
#include "proc/proc_dir.hpp"
#include "proc/process.hpp"
#include "protocol/port_file.hpp"

namespace gops::cli {
namespace {

struct Inspected {
  bool ok = false;
  std::string error;
  binfmt::ExecutableInfo info;
};

std::string pid_prefix(int pid) { return "PID " + std::to_string(pid) + ": "; }

// What the list prints of a process it has chosen: these reads are the
// only ones besides the exe's identity, and happen only for printed rows.
// nullopt if the process is gone by now.
std::optional<ListedProcess> read_row(int pid, bool agent, const binfmt::ExecutableInfo& info,
                                      const std::string& exe_link) {
  auto stat = proc::read_stat(pid);
  if (!stat) return std::nullopt;
  ListedProcess p;
  p.pid = pid;
  p.ppid = stat->ppid;
  p.agent = agent;
  p.go = info.go.has_value();
  p.name = proc::display_name(pid, stat->comm);
  auto path = proc::exe_path(pid);
  p.path = path ? *path : exe_link;
  p.version = p.go ? info.go->go_version : info.toolchain.value_or("unknown");
  return p;
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
  auto proc_dir = proc::ProcDir::open();
  if (!proc_dir) {
    result.skipped.push_back("every process: " + proc_dir.message());  // -v: "skipped every process: ..."
    return result;
  }
  return scan_processes(*proc_dir, proc_dir->pids());
}

ScanResult scan_processes(const proc::ProcDir& proc_dir, const std::vector<int>& pids) {
  ScanResult result;
  const std::set<int> agents = agent_pids();
  // Each distinct executable is read once, however many processes run it.
  std::map<proc::ExeIdentity, Inspected> cache;

  for (int pid : pids) {
    // The one question asked of every process. A process that exits from
    // here on is left out without a word, as one gone before the listing.
    auto identity = proc_dir.exe_identity(pid);
    if (!identity) {
      result.skipped.push_back(pid_prefix(pid) + identity.message());
      continue;
    }
    if (!*identity) continue;  // a kernel thread, a zombie, or gone
    // A port file in our own dir marks the PID as the Go gops marks it.
    const bool in_own_dir = agents.contains(pid);

    auto [it, inserted] = cache.try_emplace(**identity);
    Inspected& seen = it->second;
    // A binary read before that is neither Go nor linked with our agent:
    // the common case.
    if (!inserted && seen.ok && !seen.info.go && !seen.info.links_agent && !in_own_dir) continue;

    // Read through /proc/PID/exe rather than the link's target: it works for
    // deleted binaries and for processes in other mount namespaces.
    const std::string exe_link = "/proc/" + std::to_string(pid) + "/exe";
    if (inserted) {
      ++result.executables_read;
      // The toolchain is only shown for agent processes; agents are few, so
      // it is looked up only when this first reader is one.
      auto info = binfmt::inspect_executable(exe_link, in_own_dir);
      if (info) {
        seen.ok = true;
        seen.info = std::move(*info);
      } else if (auto again = proc_dir.exe_identity(pid); again && !*again) {
        // The process exited since its identity was read: that says nothing
        // of the binary, which other processes may run.
        cache.erase(it);
        continue;
      } else {
        seen.error = info.message();
      }
    } else if (in_own_dir && seen.ok && !seen.info.go && !seen.info.toolchain) {
      if (auto info = binfmt::inspect_executable(exe_link, true); info) seen.info = std::move(*info);
    }
    if (!seen.ok) {
      result.skipped.push_back(pid_prefix(pid) + seen.error);
      continue;
    }
    // Go programs and programs linked with our agent also get the place the
    // commands look in next: their own config dir, inside their own root
    // (client/port_lookup.hpp). Only these few pay for it (bench/list).
    const bool agent =
        in_own_dir || ((seen.info.go || seen.info.links_agent) && client::target_has_port_file(pid));
    if (!seen.info.go && !agent) continue;
    if (auto row = read_row(pid, agent, seen.info, exe_link)) result.processes.push_back(std::move(*row));
  }
  return result;
}

}  // namespace gops::cli
