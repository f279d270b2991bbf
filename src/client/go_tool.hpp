// Launching the Go toolchain's viewers (`go tool pprof`, `go tool trace`)
// the way the Go gops does: only if `go` is on PATH, attached to our
// terminal, waited for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gops::client {

// The first executable `name` in $PATH (as Go's exec.LookPath), if any.
std::optional<std::string> find_in_path(std::string_view name);

// Runs argv with our stdin/stdout/stderr and waits. While it runs, SIGINT
// and SIGQUIT are the child's to handle (the viewer quits on ^C), so that we
// live on to remove our temporary files. The exit code, or an error if it
// could not start or died by a signal.
Result<int> run_attached(const std::vector<std::string>& argv);

}  // namespace gops::client
