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

// Address ranges, each naming a DIE by its offset: what holds an address.
class RangeTable {
 public:
  void add(Dwarf_Addr start, Dwarf_Addr end, Dwarf_Off die);  // [start, end)
  void finish();  // after the last add(), before find()
  // The DIE of a range that holds addr: of several, the first in the
  // tree (the lowest offset), as a walk of the tree finds it.
  bool find(Dwarf_Addr addr, Dwarf_Off& die) const;

 private:
  struct Range {
    Dwarf_Addr start, end;
    Dwarf_Off die;
  };
  std::vector<Range> ranges_;        // by start
  std::vector<Dwarf_Addr> max_end_;  // of ranges_[0..i]: where a backward search may stop
};

// The compile units and functions looked up so far, by address. One walk of
// a unit's DIE tree finds every function in it, where a walk per address
// crossed a large C++ unit (thousands of declarations from the headers it
// includes) once for each address looked up in it; likewise the units of a
// module without .debug_aranges (clang's default, Go's) are read once, not
// once per address. Keyed by libdw's objects: clear() whenever a module may
// have been dropped.
class UnitIndex {
 public:
  // The unit of `dwarf` whose code holds `addr` (pc less the module's
  // bias), found by the units' own ranges.
  bool unit_at(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& unit);
  // The function (DW_TAG_subprogram) of `unit` whose code holds `addr`.
  bool function_at(Dwarf_Die* unit, Dwarf_Addr addr, Dwarf_Die& function);
  void clear() {
    units_.clear();
    functions_.clear();
  }

 private:
  std::unordered_map<const void*, RangeTable> units_;      // by Dwarf
  std::unordered_map<const void*, RangeTable> functions_;  // by Dwarf_Die::cu
};

// See source_frames() in in_process.hpp; `pc` is the address looked up.
std::vector<SourceFrame> lookup_source(Dwfl* dwfl, std::uint64_t pc, Demangler demangle, UnitIndex& units);

// See module_location() in in_process.hpp.
ModuleLocation lookup_module(Dwfl* dwfl, std::uint64_t pc, Demangler demangle);

}  // namespace gops::symbolize
