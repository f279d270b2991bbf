// What the agent and the list say of a program built by the compiler that
// builds this test (the test peers are built by the same one).
#pragma once

#include <string>

namespace gops::test {

#if defined(__clang__)
inline std::string clang_version() {
  return std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
}
// The agent's version reply.
inline std::string compiler_line() { return "compiler: clang " + clang_version() + "\n"; }
// The list's version column, with the space before it.
inline std::string toolchain_column() { return " clang" + clang_version(); }
#else
inline std::string compiler_line() { return "compiler: GCC " __VERSION__ "\n"; }
inline std::string toolchain_column() { return " gcc"; }
#endif

}  // namespace gops::test
