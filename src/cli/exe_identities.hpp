// The identities of many processes' executables (one statx each, through
// proc::ProcDir), asked on several threads at once.
//
// That one system call per process is most of `gops`' time at a thousand
// processes, and procfs answers it on any number of CPUs at once (the
// lookups take no lock in common). So the PIDs are handed out in blocks to
// up to one thread per CPU this process may use: whichever thread runs takes
// the next block, so a thread the scheduler keeps waiting delays the others
// by one block at most. The answers are kept compactly (4 bytes a process,
// the few distinct identities apart) because on a VM the first touch of a
// page costs as much as a few statx calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "proc/proc_dir.hpp"

namespace gops::cli {

class ExeIdentities {
 public:
  // Asks proc_dir.exe_identity(pid) for every PID, on up to `threads`
  // threads (this one among them). A thread that cannot be started leaves
  // its share to the others.
  static ExeIdentities ask(const proc::ProcDir& proc_dir, const std::vector<int>& pids, std::size_t threads);

  // The threads worth starting for `pids` processes: one per CPU this
  // process may run on, at most 4, and none besides this one below 256
  // processes a thread (where starting it costs more than it saves).
  static std::size_t threads_for(std::size_t pids);

  // What proc_dir.exe_identity(pids[i]) answered.
  Result<std::optional<proc::ExeIdentity>> operator[](std::size_t i) const;

 private:
  struct Worker {
    std::map<proc::ExeIdentity, std::uint32_t> index;  // into `distinct`
    std::vector<proc::ExeIdentity> distinct;
    std::map<std::size_t, Error> errors;  // by position in the PIDs
  };

  std::vector<std::uint32_t> codes_;  // per PID: none, failed, or worker and index
  std::vector<Worker> workers_;
};

}  // namespace gops::cli
