// Another process's environment as it was at exec, from /proc/PID/environ,
// so the CLI can compute the config dir that process's agent would use.
#pragma once

#include <string_view>

#include "common/result.hpp"
#include "protocol/port_file.hpp"

namespace gops::client {

// Errors: no such process, permission denied (another user's process).
Result<protocol::EnvLookup> process_environment(int pid);

// NUL-separated NAME=value entries; entries without '=' are skipped and the
// first of duplicate names wins (as getenv finds it).
protocol::EnvLookup parse_environ(std::string_view block);

}  // namespace gops::client
