// The identities of many processes' executables (one statx each, through
// proc::ProcDir), asked on several threads at once.
//
// That one system call per process is most of `gops`' time at a thousand
// processes, and procfs answers it on any number of CPUs at once (the
// lookups take no lock in common). So the PIDs are handed out in blocks to
// up to one thread per idle CPU: whichever thread runs takes the next
// block, so a thread the scheduler keeps waiting delays the others by one
// block at most. The answers are kept compactly (4 bytes a process,
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

  // The threads worth using for `pids` processes, this one included: one
  // per CPU this process may run on that is idle now, so that on a busy
  // machine the list does not queue behind others for a CPU, at most 4, and
  // one for fewer than 256 processes a thread (where starting a thread
  // costs more than it saves). `usable_cpus`: sched_getaffinity's count;
  // `runnable`: the tasks running or waiting for a CPU on the whole machine
  // (this one included), 0 if unknown.
  static std::size_t threads_for(std::size_t pids, std::size_t usable_cpus, std::size_t runnable);
  // The same for this process and this moment (/proc/loadavg).
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
