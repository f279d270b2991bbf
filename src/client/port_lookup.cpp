#include "client/port_lookup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "client/listener_check.hpp"
#include "client/process_env.hpp"
#include "common/errno_text.hpp"
#include "common/unique_fd.hpp"
#include "container/in_root.hpp"
#include "container/process_namespaces.hpp"

namespace gops::client {
namespace {

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

// Whether the target's file is the very one of our own dir's: same path,
// same name, same view of the file system.
bool same_as_own(int pid, const TargetPortFile& target, const Result<std::string>& own) {
  return own && !target.relative && target.dir == *own && target.name == std::to_string(pid) &&
         container::shares_file_system_view(pid);
}

}  // namespace

std::optional<TargetPortFile> target_port_file(int pid) {
  auto env = process_environment(pid);
  if (!env) return std::nullopt;
  const std::string proc = "/proc/" + std::to_string(pid);
  auto dir = protocol::config_dir(*env);
  if (!dir) {
    // Without HOME in its environment, its agent falls back to its user's
    // home dir (the owner of /proc/PID is the process's effective user).
    // That is the password database of our file system, not a container's:
    // right for a process on the host, a guess for one in a container.
    struct stat st {};
    if (::stat(proc.c_str(), &st) == 0) dir = protocol::config_dir(*env, st.st_uid);
  }
  if (!dir || dir->empty()) return std::nullopt;
  TargetPortFile t;
  t.dir = *dir;
  t.relative = t.dir.front() != '/';
  t.name = std::to_string(container::pid_in_own_namespace(pid));
  return t;
}

std::string shown_path(int pid, const TargetPortFile& where) {
  const std::string proc = "/proc/" + std::to_string(pid);
  if (where.relative) return proc + "/cwd/" + where.dir + "/" + where.name;
  if (container::shares_file_system_view(pid)) return where.dir + "/" + where.name;
  return proc + "/root" + where.dir + "/" + where.name;
}

Result<PortFileRead> read_target_port_file(int pid, const TargetPortFile& where, const std::string& shown) {
  // A relative dir is relative to the target's working directory, and
  // looked up beneath it.
  const std::string start = "/proc/" + std::to_string(pid) + (where.relative ? "/cwd" : "/root");
  UniqueFd root(::open(start.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    int err = errno;
    if (err == ENOENT) return PortFileRead{err, {}};  // the process is gone
    return Error{"open " + start + ": " + errno_text(err)};
  }
  auto dir = container::open_dir_in_root(root.get(), where.dir);
  if (dir.error != 0) {
    if (is_missing(dir.error)) return PortFileRead{dir.error, {}};
    return Error{"open " + shown + ": " + errno_text(dir.error)};
  }
  // Most processes have no port file: that answer needs no look at their
  // user ids (a read of status, the dearest step).
  UniqueFd probe(::openat(dir.fd.get(), where.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  const int probe_error = probe.get() < 0 ? errno : 0;
  if (is_missing(probe_error)) return PortFileRead{probe_error, {}};
  return read_port_file_at(dir.fd.get(), where.name, owners_of_process(pid), shown);
}

bool target_has_port_file(int pid) {
  static const std::string where_unshown = "(the port file)";
  auto target = target_port_file(pid);
  if (!target) return false;
  auto read = read_target_port_file(pid, *target, where_unshown);
  return read && read->missing == 0;
}

bool has_port_file(int pid, const protocol::EnvLookup& own_env) {
  if (auto own = protocol::config_dir(own_env, ::geteuid()))
    if (::access(protocol::port_file_path(*own, pid).c_str(), F_OK) == 0) return true;
  return target_has_port_file(pid);
}

Result<LocalAgent> find_local_agent(int pid, const protocol::EnvLookup& own_env) {
  const std::string prefix = "couldn't get port for PID " + std::to_string(pid) + ": ";
  std::optional<Error> missing;  // the first place's "no such file", as Go reports it
  std::optional<Error> problem;  // the first port file that exists but fails

  const PortFileOwners owners = owners_of_process(pid);
  auto try_file = [&](const std::string& path, const Result<PortFileRead>& f) -> std::optional<LocalAgent> {
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
  if (own) {
    std::string path = protocol::port_file_path(*own, pid);
    if (auto agent = try_file(path, read_port_file(*own, std::to_string(pid), owners))) return *agent;
  }
  if (auto target = target_port_file(pid); target && !same_as_own(pid, *target, own)) {
    std::string shown = shown_path(pid, *target);
    if (auto agent = try_file(shown, read_target_port_file(pid, *target, shown))) return *agent;
  }

  if (problem) return *problem;
  if (missing) return *missing;
  return Error{prefix + own.message()};
}

}  // namespace gops::client
