// What the user named on the command line: a local PID or a remote agent.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/endpoint.hpp"
#include "common/result.hpp"
#include "protocol/port_file.hpp"

namespace gops::client {

struct ResolvedTarget {
  std::vector<Endpoint> endpoints;  // tried in order
  std::optional<int> pid;           // set for a local PID
  std::string port_file;            // the file the port came from, for a PID
};

// As the Go gops: text containing ':' is host:port ("[v6]:port",
// "name:port"); anything else must be a PID, found through its port file and
// checked by the owner check (port_lookup.hpp), which must be done within
// `limit` (deadline.hpp). Every error reads "couldn't resolve addr or pid
// TEXT to TCPAddress: ...".
Result<ResolvedTarget> resolve_target(std::string_view text, const protocol::EnvLookup& env,
                                      std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace gops::client
