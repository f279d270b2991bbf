// PID -> agent address: find the PID's port file and run the owner check.
//
// Two places are looked in, in order, by the commands and by the list alike:
//  1. our own config dir (as the Go gops computes it), the file named PID;
//  2. where PID's own agent writes it: the config dir from PID's
//     environment (GOPS_CONFIG_DIR, XDG_CONFIG_HOME or HOME), looked up
//     inside PID's root (/proc/PID/root, so inside a container's file system,
//     with its symlinks kept inside it: container/in_root.hpp), the file
//     named by the PID the process has in its own PID namespace.
// The second finds agents started under another HOME and agents in
// containers; it needs /proc/PID/environ, so the target's user or root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/endpoint.hpp"
#include "client/port_file_reader.hpp"
#include "common/result.hpp"
#include "protocol/port_file.hpp"

namespace gops::client {

struct LocalAgent {
  Endpoint endpoint;
  std::string port_file;
};

// Where PID's own agent would write its port file, as PID sees it.
struct TargetPortFile {
  std::string dir;         // as PID names it (from its environment)
  std::string name;        // PID as the process sees itself (its own PID namespace)
  bool relative = false;   // `dir` is relative to PID's working directory
};

// nullopt when /proc/PID/environ is not ours to read or names no dir.
std::optional<TargetPortFile> target_port_file(int pid);

// For messages: the path as PID names it, or under /proc/PID/root (or cwd)
// when PID sees another file system than ours.
std::string shown_path(int pid, const TargetPortFile& where);

// Reads it under the port file rules (port_file_reader.hpp), the dir
// resolved inside PID's root (a relative dir beneath its working directory).
// `shown` names it in messages (shown_path(), or anything where no message
// is shown: the list asks only whether it is there).
Result<PortFileRead> read_target_port_file(int pid, const TargetPortFile& where, const std::string& shown);

// Whether place 2 holds a port file for PID that passes the rules, for the
// list's `*` (place 1 the list reads once for every PID).
bool target_has_port_file(int pid);

// Whether either place holds one, for choosing between an agent and
// reading memory.
bool has_port_file(int pid, const protocol::EnvLookup& own_env);

// Finds and checks PID's agent. With no port file anywhere the error is the
// Go gops' ("couldn't get port for PID N: open PATH: no such file or
// directory", PATH in our own dir); a port file that exists but is garbage,
// stale or points at someone else's port gives that error instead.
Result<LocalAgent> find_local_agent(int pid, const protocol::EnvLookup& own_env);

}  // namespace gops::client
