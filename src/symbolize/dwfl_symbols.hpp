// Looking up one address in a Dwfl's modules: the source frames (inlined
// ones first) and the module and symbol. Shared by the symbolizer of this
// process (in_process.hpp) and that of another process
// (process_symbolizer.hpp); each passes its own demangler, so that Rust's
// demangler is linked into the CLI only and not into the agent.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolize/in_process.hpp"

namespace gops::symbolize {

// A symbol as linked -> the name shown ("" or unchanged when not mangled).
using Demangler = std::string (*)(const char* name);

// C++ (Itanium ABI) names through __cxa_demangle; a symbol version
// ("@GLIBC_2.2.5") is dropped.
std::string demangle_cxx(const char* name);

// The functions of each compile unit looked up so far, by address. One
// walk of a unit's DIE tree finds every function in it, where a walk per
// address crossed a large C++ unit (thousands of declarations from the
// headers it includes) once for each address looked up in it. Keyed by
// libdw's unit: clear() whenever a module may have been dropped.
class UnitIndex {
 public:
  // The function (DW_TAG_subprogram) of `unit` whose code holds `addr`
  // (an address in the unit's own terms: pc less the module's bias).
  bool function_at(Dwarf_Die* unit, Dwarf_Addr addr, Dwarf_Die& function);
  void clear() { units_.clear(); }

 private:
  struct Range {
    Dwarf_Addr start, end;  // [start, end)
    Dwarf_Off die;
  };
  struct Unit {
    std::vector<Range> ranges;       // by start
    std::vector<Dwarf_Addr> max_end;  // of ranges[0..i]: where a backward search may stop
  };
  std::unordered_map<const void*, Unit> units_;  // by Dwarf_Die::cu
};

// See source_frames() in in_process.hpp; `pc` is the address looked up.
std::vector<SourceFrame> lookup_source(Dwfl* dwfl, std::uint64_t pc, Demangler demangle, UnitIndex& units);

// See module_location() in in_process.hpp.
ModuleLocation lookup_module(Dwfl* dwfl, std::uint64_t pc, Demangler demangle);

}  // namespace gops::symbolize
