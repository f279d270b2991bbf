#include "container/socket_source.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include "common/errno_text.hpp"
#include "container/process_namespaces.hpp"

namespace gops::container {
namespace {

std::string needs_privilege(int pid, const std::string& step, int err) {
  return "PID " + std::to_string(pid) +
         " is in another network namespace (a container?): reaching its agent needs root, or CAP_SYS_ADMIN and "
         "CAP_SYS_PTRACE (" + step + ": " + errno_text(err) + ")";
}

}  // namespace

Result<SocketSource> SocketSource::for_process(int pid) {
  SocketSource source;
  source.pid_ = pid;
  // Unknown (another user's process, or gone): go on as ourselves; what
  // comes next (reading its sockets) says what is wrong.
  if (shares_namespace(pid, "net") == std::optional<bool>(false)) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.get() < 0) return Error{needs_privilege(pid, "open " + path, errno)};
    source.netns_ = std::make_shared<const UniqueFd>(std::move(ns));
  }
  if (shares_namespace(pid, "user") == std::optional<bool>(false)) {
    auto ids = process_ids(pid);
    if (ids.uids.size() > 1 && ids.uids[1] != ::geteuid()) source.owner_ = ids.uids[1];
  }
  return source;
}

Result<UniqueFd> SocketSource::open(int domain, int type, int protocol) const {
  if (!netns_ && !owner_) {
    UniqueFd fd(::socket(domain, type | SOCK_CLOEXEC, protocol));
    if (fd.get() < 0) return Error{"socket: " + errno_text(errno)};
    return fd;
  }
  int fd = -1, err = 0;
  std::string step;
  try {
    std::thread([&] {
      if (netns_ && ::setns(netns_->get(), CLONE_NEWNET) != 0) {
        err = errno;
        step = "setns";
        return;
      }
      // Per thread (the raw system call; glibc does not apply it to every
      // thread as it does setuid). Without CAP_SETUID it changes nothing
      // and the socket is ours.
      if (owner_) ::setfsuid(*owner_);
      fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
      if (fd < 0) {
        err = errno;
        step = "socket";
      }
    }).join();
  } catch (const std::system_error& e) {
    return Error{std::string("cannot start a thread to enter PID ") + std::to_string(pid_) +
                 "'s network namespace: " + e.what()};
  }
  if (fd >= 0) return UniqueFd(fd);
  if (step == "setns") return Error{needs_privilege(pid_, step, err)};
  return Error{step + where() + ": " + errno_text(err)};
}

std::string SocketSource::where() const {
  return netns_ ? " in the network namespace of PID " + std::to_string(pid_) : "";
}

}  // namespace gops::container
