#include "common/pid.hpp"
#include "client/target.hpp"

#include <charconv>

#include "client/deadline.hpp"
#include "client/port_lookup.hpp"

namespace gops::client {
namespace {

Result<ResolvedTarget> resolve(std::string_view text, const protocol::EnvLookup& env,
                               std::chrono::milliseconds limit) {
  if (text.find(':') != std::string_view::npos) {
    auto endpoints = resolve_host_port(text);
    if (!endpoints) return endpoints.error();
    return ResolvedTarget{std::move(*endpoints), std::nullopt, {}};
  }
  auto parsed = parse_pid(text);
  if (!parsed)
    return Error{"couldn't parse PID: \"" + std::string(text.substr(0, 64)) + "\" is not a process ID"};
  const pid_t pid = *parsed;
  auto agent = with_deadline<LocalAgent>(
      limit, [pid, env] { return find_local_agent(pid, env); },
      "couldn't get port for PID " + std::to_string(pid) + ": looking for its port file");
  if (!agent) return agent.error();
  return ResolvedTarget{{agent->endpoint}, pid, agent->port_file};
}

}  // namespace

Result<ResolvedTarget> resolve_target(std::string_view text, const protocol::EnvLookup& env,
                                      std::chrono::milliseconds limit) {
  auto r = resolve(text, env, limit);
  if (!r) return Error{"couldn't resolve addr or pid " + std::string(text.substr(0, 256)) + " to TCPAddress: " + r.message()};
  return r;
}

}  // namespace gops::client
