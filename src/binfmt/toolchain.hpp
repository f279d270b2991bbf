// The compiler that built a non-Go ELF binary, from its .comment section.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "binfmt/image.hpp"

namespace gops::binfmt {

// "GCC: (Debian 12.2.0-14) 12.2.0" -> "gcc12.2.0",
// "Debian clang version 14.0.6" -> "clang14.0.6", "rustc version 1.70.0 (...)"
// -> "rustc1.70.0"; nothing for other entries (e.g. "Linker: LLD 14.0.6").
std::optional<std::string> compiler_of_comment(std::string_view entry);

// .comment holds one NUL-terminated entry per distinct producer. Every
// program linked against glibc carries the GCC entry of glibc's own start
// files (crt1.o, crti.o), so the main program's compiler is: the first
// non-GCC compiler entry if there is one (clang, rustc), else the GCC entry
// with the highest version (a program built by a newer GCC than its libc's
// start files carries both). Nothing if there is no .comment or no compiler.
std::optional<std::string> toolchain_of(const Image& image);

}  // namespace gops::binfmt
