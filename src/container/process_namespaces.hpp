// What the CLI needs to know of another process's namespaces, from
// /proc/PID (as root, or as the process's own user).
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace gops::container {

// Whether PID is in this process's namespace of that kind ("net", "mnt",
// "user", "pid"), by the identity of /proc/PID/ns/KIND; nullopt when that
// cannot be told (the process is gone, or not ours to look at).
std::optional<bool> shares_namespace(int pid, const char* kind);

// Whether PID sees the file system as we do: same mount namespace, same
// root directory. False when it cannot be told.
bool shares_file_system_view(int pid);

// From /proc/PID/status: the process's user ids as we see them, and the
// PID it has in its own (innermost) PID namespace, which names its port
// file. ns_pid is `pid` when the kernel gives no NSpid line.
struct ProcessIds {
  std::vector<uid_t> uids;  // real, effective, saved, file system; empty if unreadable
  int ns_pid = 0;
};
ProcessIds process_ids(int pid);

// process_ids(pid).ns_pid, without reading status when PID shares our PID
// namespace (the common case: one stat instead).
int pid_in_own_namespace(int pid);

}  // namespace gops::container
