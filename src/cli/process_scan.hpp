// Finds the processes `gops` and `gops tree` list: every Go program, and
// every other program that runs an agent (has a port file). Each distinct
// executable is read once per run, however many processes run it.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace gops::cli {

struct ListedProcess {
  int pid = 0;
  int ppid = 0;
  std::string name;     // as gopsutil's Name()
  std::string path;     // the exe link's target
  std::string version;  // Go version, or the toolchain of a non-Go agent process
  bool go = false;      // built by Go (else: a non-Go agent process)
  bool agent = false;   // a port file exists for the PID
};

struct ScanResult {
  std::vector<ListedProcess> processes;  // ascending PID
  std::vector<std::string> skipped;      // one reason per process that could not be read
  std::size_t executables_read = 0;      // distinct binaries opened
};

// PIDs that have a port file in the gops config dir of this process's
// environment (as the Go gops decides the `*` mark). Empty if none.
std::set<int> agent_pids();

ScanResult scan_processes();

}  // namespace gops::cli
