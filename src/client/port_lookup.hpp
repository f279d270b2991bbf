// PID -> agent address: find the PID's port file and run the owner check.
//
// Dirs searched, in order: our own config dir (as the Go gops computes it),
// then, where /proc/PID/environ is readable, the dir the target itself
// would use (its GOPS_CONFIG_DIR, XDG_CONFIG_HOME or HOME). The second one
// finds agents of processes started with another HOME.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/endpoint.hpp"
#include "common/result.hpp"
#include "protocol/port_file.hpp"

namespace gops::client {

struct LocalAgent {
  Endpoint endpoint;
  std::string port_file;
};

// The config dirs to look in for PID's port file (deduplicated).
std::vector<std::string> candidate_dirs(int pid, const protocol::EnvLookup& own_env);

// Finds and checks PID's agent. With no port file anywhere the error is the
// Go gops' ("couldn't get port for PID N: open PATH: no such file or
// directory", PATH in our own dir); a port file that exists but is garbage,
// stale or points at someone else's port gives that error instead.
Result<LocalAgent> find_local_agent(int pid, const protocol::EnvLookup& own_env);

}  // namespace gops::client
