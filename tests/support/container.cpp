#include "support/container.hpp"

#include <unistd.h>

#include <stdexcept>

#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

// Runs inside: bring loopback up, mount the tmpfs dirs, make the links,
// then become the program. Arguments: N tmpfs dirs, M link pairs, "--",
// the program.
constexpr const char* kInit = R"(set -e
ip link set lo up
while [ "$1" != "--links" ]; do mount -t tmpfs tmpfs "$1"; shift; done
shift
while [ "$1" != "--" ]; do ln -s "$2" "$1"; shift 2; done
shift
exec "$@"
)";

std::vector<std::string> command_line(const ContainerSpec& spec) {
  std::vector<std::string> argv;
  if (spec.rootless) argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  argv.insert(argv.end(), {"unshare", "--pid", "--net", "--mount", "--fork", "--mount-proc", "--kill-child"});
  if (spec.rootless) argv.insert(argv.end(), {"--user", "--map-root-user"});
  argv.insert(argv.end(), {"sh", "-c", kInit, "container-init"});
  argv.insert(argv.end(), spec.tmpfs.begin(), spec.tmpfs.end());
  argv.push_back("--links");
  for (const auto& [path, target] : spec.symlinks) argv.insert(argv.end(), {path, target});
  argv.push_back("--");
  argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
  return argv;
}

// The one child of `parent` (unshare's forked child, the container's init).
pid_t only_child(pid_t parent) {
  std::string p = std::to_string(parent);
  std::string children = read_file("/proc/" + p + "/task/" + p + "/children");
  return children.empty() ? -1 : std::stoi(children);
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

Container::Container(const ContainerSpec& spec) : unshare_(Child::spawn(command_line(spec), spec.env)) {
  if (!eventually([&] { return (host_pid_ = only_child(unshare_.pid())) > 0; }))
    throw std::runtime_error("the container did not start: " + unshare_.output());
  if (!wait_until_exec(host_pid_, basename_of(spec.argv.at(0))))
    throw std::runtime_error("the container's program did not start: " + unshare_.output());
}

std::string Container::unavailable(bool rootless) {
  if (::geteuid() != 0) return "containers need root here";
  for (const char* tool : {"unshare", "nsenter", "ip", "setpriv"})
    if (run({"sh", "-c", std::string("command -v ") + tool}).exit_code != 0) return std::string(tool) + " missing";
  if (rootless &&
      run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user", "--map-root-user", "true"})
              .exit_code != 0)
    return "unprivileged user namespaces are disabled";
  return {};
}

}  // namespace gops::test
