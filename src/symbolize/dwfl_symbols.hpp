// Looking up one address in a Dwfl's modules: the source frames (inlined
// ones first) and the module and symbol. Shared by the symbolizer of this
// process (in_process.hpp) and that of another process
// (process_symbolizer.hpp); each passes its own demangler, so that Rust's
// demangler is linked into the CLI only and not into the agent.
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "symbolize/in_process.hpp"

namespace gops::symbolize {

// A symbol as linked -> the name shown ("" or unchanged when not mangled).
using Demangler = std::string (*)(const char* name);

// C++ (Itanium ABI) names through __cxa_demangle; a symbol version
// ("@GLIBC_2.2.5") is dropped.
std::string demangle_cxx(const char* name);

// See source_frames() in in_process.hpp; `pc` is the address looked up.
std::vector<SourceFrame> lookup_source(Dwfl* dwfl, std::uint64_t pc, Demangler demangle);

// See module_location() in in_process.hpp.
ModuleLocation lookup_module(Dwfl* dwfl, std::uint64_t pc, Demangler demangle);

}  // namespace gops::symbolize
