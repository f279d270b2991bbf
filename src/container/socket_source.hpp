// Where the CLI's sockets for one target process come from.
//
// A socket belongs to the network namespace it was created in, for its
// whole life: a socket made inside a container's namespace reaches that
// namespace's 127.0.0.1 from any thread that uses it later. So for a target
// in another network namespace, a short-lived thread enters the target's
// namespace (setns(CLONE_NEWNET), which needs CAP_SYS_ADMIN; opening
// /proc/PID/ns/net needs ptrace access, CAP_SYS_PTRACE for another user's
// process), makes the socket and ends; the process's other threads never
// change namespace.
//
// Across a user namespace (a rootless container) our uid may mean nothing
// to the target: host root is unmapped there, and the kernel reports its
// sockets to the target's agent as owned by the overflow uid (nobody),
// whom the agent's same-user rule refuses. The thread then also takes the
// target's own uid as its file-system uid (setfsuid, which needs
// CAP_SETUID) before it makes the socket: a socket's owner is that uid, so
// the agent sees a connection from its own user, as the kernel maps it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace gops::container {

class SocketSource {
 public:
  // Sockets of our own namespace, owned by us.
  SocketSource() = default;

  // The source for sockets that talk to PID: ours if PID shares our network
  // and user namespaces. Errors (one line, naming the privilege needed) when
  // its namespace cannot be opened.
  static Result<SocketSource> for_process(int pid);

  // socket(2) with SOCK_CLOEXEC added, made where described above. The
  // error says what was needed ("root, or CAP_SYS_ADMIN and CAP_SYS_PTRACE").
  Result<UniqueFd> open(int domain, int type, int protocol) const;

  // Whether sockets are made in another network namespace.
  bool other_network() const { return netns_ != nullptr; }
  // For messages: "" or " in the network namespace of PID N".
  std::string where() const;

 private:
  std::shared_ptr<const UniqueFd> netns_;  // null: ours
  std::optional<uid_t> owner_;             // file-system uid for new sockets
  int pid_ = 0;
};

}  // namespace gops::container
