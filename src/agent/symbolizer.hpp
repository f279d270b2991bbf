// Symbolize step of a stack dump: program counters to function names
// (demangled), file:line where debug info exists, else module+offset.
// elfutils' libdwfl over this process's own mappings, reported once and
// cached, refreshed when an address falls outside every known module (a
// library loaded since). Not async-signal-safe; not thread-safe: callers
// serialize (the stack command holds one lock around capture and symbolize).
#pragma once

#include <cstdint>
#include <string>

namespace gops::agent {

struct Frame {
  std::string function;        // demangled; empty if unknown
  std::uintptr_t function_offset = 0;
  std::string file;            // empty without line info
  int line = 0;
  std::string module;          // file name of the mapped object
  std::uintptr_t module_offset = 0;
};

// `pc` is the address to look up: for return addresses, the caller passes
// the return address minus one so that the call itself is found.
Frame symbolize(std::uintptr_t pc);

// Starts a dump: allows one refresh of the module list if an address is
// not in any known module (so unknown addresses cost one refresh per dump).
void begin_symbolizing();

// Changes whenever the module list is reported anew: results cached by
// address from before then may be stale.
unsigned symbolizer_generation();

}  // namespace gops::agent
