// Helpers for tests that read a process list (ours or the Go stand-in's).
#pragma once

#include <sys/types.h>

#include <string>

namespace gops::test {

// The Go version a binary was built with, as `go version` reads it.
std::string go_version_of(const std::string& path);

// The row of `pid` in a list's text (rows start with the PID), or "".
std::string row_of(const std::string& list, pid_t pid);

}  // namespace gops::test
