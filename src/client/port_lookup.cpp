#include "client/port_lookup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "common/errno_text.hpp"
#include "client/listener_check.hpp"
#include "client/port_file_reader.hpp"
#include "client/process_env.hpp"

namespace gops::client {
namespace {

// The dir the target's own agent would use, from its environment; nullopt
// when /proc/PID/environ is not ours to read or names no dir.
std::optional<std::string> target_dir(int pid) {
  auto env = process_environment(pid);
  if (!env) return std::nullopt;
  // Without HOME in its environment, its agent falls back to its user's
  // home dir (the owner of /proc/PID is the process's effective user).
  struct stat st {};
  std::optional<uid_t> user;
  if (::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0) user = st.st_uid;
  auto dir = protocol::config_dir(*env, user);
  if (!dir) return std::nullopt;
  // A relative dir is relative to the target's working directory.
  if (!dir->empty() && dir->front() != '/') return "/proc/" + std::to_string(pid) + "/cwd/" + *dir;
  return *dir;
}

}  // namespace

std::vector<std::string> candidate_dirs(int pid, const protocol::EnvLookup& own_env) {
  std::vector<std::string> dirs;
  if (auto own = protocol::config_dir(own_env, ::geteuid())) dirs.push_back(*own);
  if (auto theirs = target_dir(pid); theirs && (dirs.empty() || dirs.front() != *theirs)) dirs.push_back(*theirs);
  return dirs;
}

Result<LocalAgent> find_local_agent(int pid, const protocol::EnvLookup& own_env) {
  const std::string prefix = "couldn't get port for PID " + std::to_string(pid) + ": ";
  std::optional<Error> missing;  // the first dir's "no such file", as Go reports it
  std::optional<Error> problem;  // the first port file that exists but fails

  const PortFileOwners owners = owners_of_process(pid);
  auto try_dir = [&](const std::string& dir) -> std::optional<LocalAgent> {
    std::string path = protocol::port_file_path(dir, pid);
    auto f = read_port_file(dir, std::to_string(pid), owners);
    if (!f) {
      if (!problem) problem = Error{prefix + f.message()};
      return std::nullopt;
    }
    if (f->missing != 0) {
      if (!missing) missing = Error{prefix + "open " + path + ": " + errno_text(f->missing)};
      return std::nullopt;
    }
    auto port = protocol::parse_port(f->contents);
    if (!port) {
      if (!problem) problem = Error{prefix + path + ": " + port.message()};
      return std::nullopt;
    }
    auto endpoint = check_listener(pid, *port, path);
    if (!endpoint) {
      if (!problem) problem = endpoint.error();
      return std::nullopt;
    }
    return LocalAgent{*endpoint, path};
  };

  // Our own dir first; the target's environment is read only if that fails.
  auto own = protocol::config_dir(own_env, ::geteuid());
  if (own)
    if (auto agent = try_dir(*own)) return *agent;
  if (auto theirs = target_dir(pid); theirs && (!own || *own != *theirs))
    if (auto agent = try_dir(*theirs)) return *agent;

  if (problem) return *problem;
  if (missing) return *missing;
  return Error{prefix + own.message()};
}

}  // namespace gops::client
