// Symbols of another process, from its files: the same lookups as the
// agent's in-process symbolizer (dwfl_symbols.hpp) over the modules that
// /proc/PID/maps lists. A module is a run of mappings of one file that
// starts at file offset 0 and maps code: a file the process has merely
// mapped as data (libelf maps the ELF files it reads, as our own agent
// does) is no module, where elfutils' own maps reader would stretch the
// module over both and misplace every address in it. Files are opened
// through /proc/PID/root, so a process in a container is symbolized from
// its own files; the vDSO is read from its memory. Debug files are found as for this process
// (debug_files.hpp: build ID, debuglink, no debuginfod). Names are
// demangled as C++ or Rust (legacy and v0). Not thread-safe; one per dump.
#pragma once

#include <elfutils/libdwfl.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "symbolize/dwfl_symbols.hpp"
#include "symbolize/in_process.hpp"

namespace gops::symbolize {

class ProcessSymbolizer {
 public:
  // Reports the modules mapped in `pid` now, as its thread `tid` sees them
  // (a main thread that has exited no longer has maps, a root or memory
  // of its own: another thread of the process is asked). Errors: the maps
  // cannot be read (the process is gone, or not ours to look at).
  static Result<std::unique_ptr<ProcessSymbolizer>> open(pid_t pid, pid_t tid = 0);
  ~ProcessSymbolizer();
  ProcessSymbolizer(const ProcessSymbolizer&) = delete;
  ProcessSymbolizer& operator=(const ProcessSymbolizer&) = delete;

  pid_t pid() const { return pid_; }
  // The module list, for an unwinder to share (dwfl_attach_state).
  Dwfl* dwfl() const { return dwfl_; }

  // As source_frames() and module_location() in in_process.hpp, for an
  // address of the other process. Cached by address.
  const std::vector<SourceFrame>& source_frames(std::uint64_t pc);
  ModuleLocation module_location(std::uint64_t pc);

 private:
  explicit ProcessSymbolizer(pid_t pid) : pid_(pid) {}
  std::string task_;  // "/proc/PID/task/TID/"
  int report_modules();
  static int find_elf(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
                      Elf** elfp);
  static const Dwfl_Callbacks kCallbacks;

  pid_t pid_;
  std::string root_;  // task_ + "root"
  std::vector<std::unique_ptr<char[]>> images_;  // the vDSO's bytes, read from memory
  Dwfl* dwfl_ = nullptr;
  std::unordered_map<std::uint64_t, std::vector<SourceFrame>> cache_;
  UnitIndex units_;
};

// C++ or Rust (legacy "_ZN...17h<hash>E" and v0 "_R...") symbol names,
// demangled; others as they are, less a symbol version.
std::string demangle_native(const char* name);

}  // namespace gops::symbolize
