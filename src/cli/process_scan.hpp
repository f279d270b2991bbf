// Finds the processes `gops` and `gops tree` list: every Go program, and
// every other program that runs an agent (has a port file). Every process
// costs one statx (its executable's identity); each distinct executable is
// read once per run; only the processes that will be printed, and those
// whose binary carries the C++ agent's mark, are read further (stat line,
// name, exe path; their own config dir, as the commands look there too).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "proc/proc_dir.hpp"

namespace gops::cli {

struct ListedProcess {
  int pid = 0;
  int ppid = 0;
  std::string name;     // as gopsutil's Name()
  std::string path;     // the exe link's target
  std::string version;  // Go version, or the toolchain of a non-Go agent process
  bool go = false;      // built by Go (else: a non-Go agent process)
  bool agent = false;   // a port file for the PID: in our config dir, or in its own (client/port_lookup.hpp)
};

struct ScanResult {
  std::vector<ListedProcess> processes;  // ascending PID
  std::vector<std::string> skipped;      // one reason per process that could not be read
  std::size_t executables_read = 0;      // distinct binaries opened
};

// PIDs that have a port file in the gops config dir of this process's
// environment (as the Go gops decides the `*` mark). Empty if none.
std::set<int> agent_pids();

// Every process under /proc. If /proc cannot be opened, nothing is listed
// and `skipped` says why.
ScanResult scan_processes();

// The same over given PIDs (those of proc_dir.pids(), or any others: a
// PID with no process is left out silently, as one that exits mid-scan).
ScanResult scan_processes(const proc::ProcDir& proc_dir, const std::vector<int>& pids);

}  // namespace gops::cli
