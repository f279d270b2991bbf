#include "symbolize/rust_demangle.hpp"

// libiberty.h declares basename() itself unless told that the C library
// does, which clashes with glibc's C++ overloads.
#define HAVE_DECL_BASENAME 1
#include <libiberty/demangle.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace gops::symbolize {
namespace {

// Legacy Rust names are Itanium-mangled paths whose last element is
// "h" and 16 hex digits: "...17h0123456789abcdefE".
bool legacy_rust(std::string_view name) {
  if (!name.starts_with("_ZN") || !name.ends_with("E") || name.size() < 3 + 19 + 1) return false;
  std::string_view hash = name.substr(name.size() - 1 - 19, 19);
  if (!hash.starts_with("17h")) return false;
  for (char c : hash.substr(3))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::optional<std::string> demangle_rust(const char* name) {
  std::string plain(name);
  if (auto at = plain.find('@'); at != std::string::npos && at > 0) plain.resize(at);  // symbol version
  // LLVM's suffix for a local symbol made global across units (ThinLTO,
  // codegen units): not part of the mangled name.
  if (auto llvm = plain.find(".llvm."); llvm != std::string::npos) plain.resize(llvm);
  if (!plain.starts_with("_R") && !legacy_rust(plain)) return std::nullopt;
  char* out = cplus_demangle(plain.c_str(), DMGL_PARAMS | DMGL_ANSI | DMGL_RUST);
  if (out == nullptr) return std::nullopt;
  std::string result(out);
  std::free(out);
  return result;
}

}  // namespace gops::symbolize
