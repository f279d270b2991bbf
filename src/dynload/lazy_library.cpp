#include "dynload/lazy_library.hpp"

#include <dlfcn.h>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace gops::dynload {
namespace {

[[noreturn]] void die(const char* what, const char* soname, const char* reason) {
  // Flush what the command printed so far, then one line, as every error.
  std::fflush(stdout);
  std::fprintf(stderr, "gops: %s %s: %s\n", what, soname, reason != nullptr ? reason : "unknown error");
  std::exit(1);
}

std::mutex& load_lock() {
  static std::mutex lock;
  return lock;
}

}  // namespace

void* LazyLibrary::handle() {
  std::lock_guard guard(load_lock());
  if (handle_ == nullptr) {
    // RTLD_LOCAL: the library's symbols stay out of the global scope, so
    // they neither clash with ours nor with anything loaded later.
    handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) die("cannot load", soname_, ::dlerror());
  }
  return handle_;
}

void* LazyLibrary::function(const char* name) {
  void* lib = handle();
  ::dlerror();  // per thread: clear what an earlier call left
  void* fn = ::dlsym(lib, name);
  if (fn == nullptr) die("cannot find a function in", soname_, ::dlerror());
  return fn;
}

}  // namespace gops::dynload
