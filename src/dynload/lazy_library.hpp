// A shared library the gops executable loads on first use instead of at
// start-up, and the stubs that stand for its functions.
//
// Only the stack and symbol commands need elfutils (libdw, libelf),
// libdeflate and Zydis, yet as DT_NEEDED entries the dynamic loader maps and relocates
// them, with libz, liblzma and libbz2 behind libdw, for every run: about
// 3 ms and 60 page faults of a 12 ms `gops` on an idle machine
// (bench/list/README.md). So the executable does not link them: for each
// function the code calls, a stub of the same name and signature (checked
// by the compiler against the library's own header) loads the library with
// dlopen on its first call and jumps to the real function. The rest of the
// code calls the functions as declared and cannot tell; the agent library
// and the tests link the real libraries.
//
// Written here rather than taken from a library: the one generator of such
// stubs (Implib.so) is not packaged in Debian, and 55 functions do not
// warrant one.
#pragma once

namespace gops::dynload {

class LazyLibrary {
 public:
  explicit constexpr LazyLibrary(const char* soname) : soname_(soname) {}

  // The address of the function `name`, loading the library first if this
  // is the first call. A library that cannot be loaded, or lacks the
  // function, ends the process with one line on stderr and exit status 1,
  // as the dynamic loader would have at start-up had it been linked: the
  // callers expect the function to exist and have no way to report its
  // absence.
  void* function(const char* name);

 private:
  void* handle();

  const char* soname_;
  void* handle_ = nullptr;
};

}  // namespace gops::dynload

// Defines `name` with C linkage: `ret name params`, forwarding `args` to the
// real function of `library` (a LazyLibrary). The definition must match the
// declaration in the library's header, which the including file includes,
// or the compiler refuses it. The real function is looked up once (a
// function-local static: thread-safe).
#define GOPS_LAZY_FUNCTION(library, ret, name, params, args)                                   \
  extern "C" ret name params {                                                                 \
    using Fn = decltype(&::name);                                                              \
    static const Fn real = reinterpret_cast<Fn>((library).function(#name));                    \
    return real args;                                                                          \
  }
