// Where agents publish their port: a file named by the PID, holding the port
// as decimal ASCII, in the gops config dir (docs/design.md §2).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::protocol {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The calling process's own environment.
EnvLookup process_env();

// The gops config dir as the Go gops computes it: $GOPS_CONFIG_DIR, else
// $XDG_CONFIG_HOME/gops, else $HOME/.config/gops, else (with `user` given)
// that user's home dir from the password database + /.config/gops, as Go's
// user.Current() finds it when HOME is unset (`env -i prog`). Empty values
// count as unset.
Result<std::string> config_dir(const EnvLookup& env, std::optional<uid_t> user = std::nullopt);

// The home dir of `uid` in the password database (getpwuid_r), if any.
std::optional<std::string> home_dir_of(uid_t uid);

std::string port_file_path(std::string_view dir, int pid);

// The port in a port file's contents, whitespace trimmed as the Go client
// does; an error unless it is a decimal number in 1..65535.
Result<std::uint16_t> parse_port(std::string_view contents);

}  // namespace gops::protocol
