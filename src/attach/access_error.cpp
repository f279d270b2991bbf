#include "common/errno_text.hpp"
#include "attach/access_error.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "attach/proc_task.hpp"

namespace gops::attach {
namespace {

constexpr int kCapSysPtrace = 19;

std::string user_name(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) return found->pw_name;
  return {};
}

// CapEff of this process, from /proc/self/status (no libcap needed).
bool have_cap_sys_ptrace() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    unsigned long long caps = std::strtoull(line.c_str() + 7, nullptr, 16);
    return (caps >> kCapSysPtrace) & 1;
  }
  return false;
}

std::optional<int> read_yama_scope() {
  std::ifstream in("/proc/sys/kernel/yama/ptrace_scope");
  int v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

bool is_descendant_of_us(pid_t pid) {
  pid_t self = ::getpid();
  for (int depth = 0; depth < 4096 && pid > 1; ++depth) {
    auto st = read_process_status(pid);
    if (!st) return false;
    if (st->parent_pid == self) return true;
    pid = st->parent_pid;
  }
  return false;
}

std::string who(uid_t uid, const std::string& name) {
  return name.empty() ? "uid " + std::to_string(uid) : name + " (uid " + std::to_string(uid) + ")";
}

std::string verb(Access access) { return access == Access::kRead ? "read" : "stop"; }

}  // namespace

AccessFacts gather_access_facts(pid_t pid) {
  AccessFacts f;
  f.our_uid = ::geteuid();
  f.our_user = user_name(f.our_uid);
  f.cap_sys_ptrace = have_cap_sys_ptrace();
  f.yama_scope = read_yama_scope();
  auto st = read_process_status(pid);
  if (!st) return f;
  f.exists = true;
  f.zombie = st->state == 'Z' || st->state == 'X';
  f.target_uid = st->real_uid;
  f.target_user = user_name(f.target_uid);
  f.tracer_pid = st->tracer_pid;
  if (f.tracer_pid != 0)
    if (auto tracer = read_process_status(f.tracer_pid)) f.tracer_name = tracer->name;
  // A process that is not dumpable has its /proc/PID entries owned by root.
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d", static_cast<int>(pid));
  struct stat sb {};
  if (::stat(path, &sb) == 0 && sb.st_uid == 0 && f.target_uid != 0) f.target_dumpable = false;
  f.target_is_descendant = is_descendant_of_us(pid);
  return f;
}

std::string describe_access_failure(pid_t pid, int err, Access access, const AccessFacts& f, bool mid_read) {
  const std::string head = "cannot " + verb(access) + " process " + std::to_string(pid) + ": ";
  if (err == ESRCH || !f.exists) {
    if (mid_read) return "process " + std::to_string(pid) + " exited while gops was reading it";
    return "no process with PID " + std::to_string(pid);
  }
  if (f.zombie) return head + "it has exited (zombie) and has no memory left to read";
  if (err == EPERM || err == EACCES) {
    if (access == Access::kAttach && f.tracer_pid != 0 && f.tracer_pid != ::getpid())
      return head + "it is already traced by PID " + std::to_string(f.tracer_pid) +
             (f.tracer_name.empty() ? "" : " (" + f.tracer_name + ")") +
             "; a process has one tracer at a time: detach the debugger first";
    if (!f.cap_sys_ptrace) {
      if (f.target_uid != f.our_uid)
        return head + "it belongs to " + who(f.target_uid, f.target_user) + " and gops runs as " +
               who(f.our_uid, f.our_user) +
               " without CAP_SYS_PTRACE: run gops as that user, or with sudo";
      if (!f.target_dumpable)
        return head + "it is not dumpable (setuid, or it called prctl(PR_SET_DUMPABLE, 0)), so only "
                      "CAP_SYS_PTRACE may read it: run gops with sudo";
      if (f.yama_scope && *f.yama_scope == 1 && !f.target_is_descendant)
        return head + "kernel.yama.ptrace_scope is 1, which lets only a parent process read its "
                      "children: run gops with sudo, or allow it with `sudo sysctl kernel.yama.ptrace_scope=0`";
      if (f.yama_scope && *f.yama_scope == 2)
        return head + "kernel.yama.ptrace_scope is 2, which lets only CAP_SYS_PTRACE read other "
                      "processes: run gops with sudo";
    }
    if (f.yama_scope && *f.yama_scope >= 3)
      return head + "kernel.yama.ptrace_scope is 3, which forbids reading any process (even as root) "
                    "until the next reboot";
    return head + "permission denied (" + who(f.target_uid, f.target_user) + ", gops runs as " +
           who(f.our_uid, f.our_user) + (f.cap_sys_ptrace ? " with" : " without") +
           " CAP_SYS_PTRACE; a security module such as SELinux or AppArmor may refuse it)";
  }
  std::string reason = errno_text(err);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  return head + reason;
}

Error access_error(pid_t pid, int err, Access access, bool mid_read) {
  return Error{describe_access_failure(pid, err, access, gather_access_facts(pid), mid_read)};
}

}  // namespace gops::attach
