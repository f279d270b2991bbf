#include "client/port_lookup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "client/errno_text.hpp"
#include "client/listener_check.hpp"
#include "client/process_env.hpp"

namespace gops::client {
namespace {

struct FileRead {
  std::string contents;
  int error = 0;  // errno of open/read
};

FileRead read_small_file(const std::string& path) {
  FileRead r;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    r.error = errno;
    return r;
  }
  // A port file holds a few digits; read a little more than that so
  // parse_port can show what is there, and never more.
  char buf[256];
  std::size_t used = 0;
  while (used < sizeof buf) {
    ssize_t n = ::read(fd, buf + used, sizeof buf - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r.error = errno;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  r.contents.assign(buf, used);
  ::close(fd);
  return r;
}

}  // namespace

std::vector<std::string> candidate_dirs(int pid, const protocol::EnvLookup& own_env) {
  std::vector<std::string> dirs;
  if (auto own = protocol::config_dir(own_env)) dirs.push_back(*own);
  if (auto env = process_environment(pid)) {
    if (auto theirs = protocol::config_dir(*env)) {
      std::string dir = *theirs;
      // A relative dir is relative to the target's working directory.
      if (!dir.empty() && dir.front() != '/') dir = "/proc/" + std::to_string(pid) + "/cwd/" + dir;
      if (dirs.empty() || dirs.front() != dir) dirs.push_back(dir);
    }
  }
  return dirs;
}

Result<LocalAgent> find_local_agent(int pid, const protocol::EnvLookup& own_env) {
  const std::string prefix = "couldn't get port for PID " + std::to_string(pid) + ": ";
  std::optional<Error> missing;  // the first dir's "no such file", as Go reports it
  std::optional<Error> problem;  // the first port file that exists but fails
  for (const std::string& dir : candidate_dirs(pid, own_env)) {
    std::string path = protocol::port_file_path(dir, pid);
    FileRead f = read_small_file(path);
    if (f.error != 0) {
      Error e{prefix + "open " + path + ": " + errno_text(f.error)};
      if (f.error == ENOENT || f.error == ENOTDIR) {
        if (!missing) missing = e;
      } else if (!problem) {
        problem = e;
      }
      continue;
    }
    auto port = protocol::parse_port(f.contents);
    if (!port) {
      if (!problem) problem = Error{prefix + path + ": " + port.message()};
      continue;
    }
    auto endpoint = check_listener(pid, *port, path);
    if (!endpoint) {
      if (!problem) problem = endpoint.error();
      continue;
    }
    return LocalAgent{*endpoint, path};
  }
  if (problem) return *problem;
  if (missing) return *missing;
  auto own = protocol::config_dir(own_env);
  return Error{prefix + (own ? "no config dir to look in" : own.message())};
}

}  // namespace gops::client
