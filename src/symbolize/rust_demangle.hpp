// Rust symbol names, legacy ("_ZN4core3fmt5write17h0123456789abcdefE") and
// v0 ("_RNvCs...") manglings, through libiberty's demangler (the one GNU
// binutils and GDB use; Debian's libiberty-dev) rather than a demangler of
// our own: v0 is a grammar of its own with back-references, and libiberty
// is well kept and tested against rustc's output. The hash of a legacy name
// is left out, as rustc-demangle's alternate form does.
#pragma once

#include <optional>
#include <string>

namespace gops::symbolize {

// The demangled name, or nullopt if `name` is no Rust symbol.
std::optional<std::string> demangle_rust(const char* name);

}  // namespace gops::symbolize
