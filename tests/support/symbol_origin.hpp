// Which loaded object the program's global scope takes a name from: what
// its own calls to that name reach (a library linked or preloaded later
// cannot take it over once bound, but one earlier in the search order does).
#pragma once

#include <dlfcn.h>

#include <cstring>
#include <string>

namespace gops::test {

// The file name (no directory) of the object defining `name` for
// RTLD_DEFAULT lookups, or "none".
inline std::string symbol_origin(const char* name) {
  void* at = ::dlsym(RTLD_DEFAULT, name);
  Dl_info info{};
  if (at == nullptr || ::dladdr(at, &info) == 0 || info.dli_fname == nullptr) return "none";
  const char* slash = std::strrchr(info.dli_fname, '/');
  return slash != nullptr ? slash + 1 : info.dli_fname;
}

// Whether the shared object `soname` is loaded in this process.
inline bool library_loaded(const char* soname) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);
  return true;
}

}  // namespace gops::test
