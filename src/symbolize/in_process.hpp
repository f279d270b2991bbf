// Addresses of this process to source frames, inlined ones included, with
// elfutils' libdwfl and libdw over the process's own mappings. Serves the
// profiles, the stack dump and the trace alike. One module
// list for the process, reported once and refreshed when an address falls
// outside every known module (a library loaded since). Thread-safe (one
// lock inside); not async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gops::symbolize {

struct SourceFrame {
  std::string function;     // demangled; empty if unknown
  std::string system_name;  // the symbol as linked (mangled), or = function
  std::string file;         // empty without line info
  int line = 0;
  int start_line = 0;       // the function's declaration line, 0 if unknown
};

// Innermost first: the frames inlined at `pc`, then the function they were
// inlined into (pprof's Location.line order). Empty if `pc` is in no known
// module; one frame with just a name when there is a symbol but no DWARF.
// `pc` is the address to look up (return addresses minus one).
std::vector<SourceFrame> source_frames(std::uintptr_t pc);

// Where `pc` lies without debug info: the mapped object (file name, no
// directory) and the offset into it, and the symbol and the offset from its
// start. Empty module if `pc` is in no known module; empty symbol if no
// symbol covers it.
struct ModuleLocation {
  std::string module;
  std::uintptr_t module_offset = 0;
  std::string symbol;  // demangled
  std::uintptr_t symbol_offset = 0;
};
ModuleLocation module_location(std::uintptr_t pc);

// Allows one refresh of the module list for the next unknown address
// (callers start each profile or dump with it).
void allow_refresh();

// Changes whenever the module list is reported anew (a library loaded
// since): results a caller cached by address before then may be stale.
unsigned generation();

}  // namespace gops::symbolize
