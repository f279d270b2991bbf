// The one-line errors for "gops could not read or stop that process",
// shared by every path that reads another process (agentless Go stacks,
// agentless native stacks). A failed process_vm_readv or ptrace gives an
// errno; what the user needs is why, and what to do about it, which takes
// the facts below: who owns the target, whether we hold CAP_SYS_PTRACE,
// what kernel.yama.ptrace_scope allows, whether a debugger holds it already.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.hpp"

namespace gops::attach {

enum class Access {
  kRead,    // process_vm_readv: reading memory while it runs
  kAttach,  // ptrace: stopping its threads
};

// What the kernel's access check looks at, as seen from here.
struct AccessFacts {
  bool exists = false;
  bool zombie = false;
  uid_t target_uid = 0;       // real uid of the target
  std::string target_user;    // its name, if the system knows it
  uid_t our_uid = 0;          // our effective uid
  std::string our_user;
  bool cap_sys_ptrace = false;
  bool target_dumpable = true;  // false: setuid-like, or PR_SET_DUMPABLE 0
  std::optional<int> yama_scope;  // absent: no Yama in this kernel
  bool target_is_descendant = false;
  pid_t tracer_pid = 0;
  std::string tracer_name;
};

// Reads the facts for `pid` from /proc and the process's own credentials.
AccessFacts gather_access_facts(pid_t pid);

// The sentence for a failure with `err` (an errno), given the facts.
// Pure, so each case can be tested without the system state it names.
// `mid_read`: the failure came after earlier reads of the same process
// worked (ESRCH then means it exited while being read).
std::string describe_access_failure(pid_t pid, int err, Access access, const AccessFacts& facts,
                                    bool mid_read = false);

// gather_access_facts + describe_access_failure.
Error access_error(pid_t pid, int err, Access access, bool mid_read = false);

}  // namespace gops::attach
