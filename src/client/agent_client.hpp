// One function per agent command: the wire exchange of each, as the Go gops
// client does it (internal/cmd/shared.go), plus our extension bytes, which
// are sent only to a peer that answered kDescribe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.hpp"
#include "client/endpoint.hpp"
#include "common/result.hpp"
#include "protocol/commands.hpp"

namespace gops::client {

// The kDescribe reply: {"agent":..,"version":..,"commands":[..]}, commands
// given by CLI verb ("pprof-cpu-for") or by byte (65).
struct AgentDescription {
  std::string agent;
  std::string version;
  std::vector<protocol::Command> commands;
  bool supports(protocol::Command c) const;
};

// Parses a describe reply; an error for anything but that JSON object.
Result<AgentDescription> parse_description(std::string_view reply);

// The length of the Go agent's fixed-length commands.
inline constexpr Millis kGoCpuProfileLength{30000};
inline constexpr Millis kGoTraceLength{5000};

class AgentClient {
 public:
  AgentClient(std::vector<Endpoint> endpoints, Timeouts timeouts)
      : endpoints_(std::move(endpoints)), timeouts_(timeouts) {}

  // Text replies, returned as sent. An agent that closes without a byte is
  // an error ("closed the connection without a reply").
  Result<std::string> stack() const;
  Result<std::string> memstats() const;
  Result<std::string> version() const;
  Result<std::string> stats() const;
  Status gc() const;  // the reply ("ok") is not returned, as the Go gops prints nothing
  // Sends the percentage as a zig-zag varint; -1 turns the GC off.
  Result<std::string> set_gc_percent(std::int64_t percent) const;

  // Binary replies streamed into `sink`; the byte count is returned (0 when
  // the agent sent nothing, which the caller reports in its own words).
  Result<std::uint64_t> heap_profile(const Sink& sink) const;
  Result<std::uint64_t> binary(const Sink& sink) const;
  // `length` other than the Go agent's fixed one needs the extension bytes:
  // the peer is asked with kDescribe first and, if it does not offer them,
  // nothing else is sent and the error says so.
  Result<std::uint64_t> cpu_profile(const Sink& sink, Millis length = kGoCpuProfileLength) const;
  Result<std::uint64_t> trace(const Sink& sink, Millis length = kGoTraceLength) const;

  // nullopt when the peer closes without a reply (a Go agent). Asked once
  // per client; later calls return the first answer.
  Result<std::optional<AgentDescription>> describe() const;

  // Whether cpu_profile() / trace() can run for `length` on this agent (the
  // Go agent's fixed length always can); the error says why not. Lets the
  // caller refuse before it announces a 30 s wait.
  Status check_length(protocol::Command fixed, Millis length) const;

  const std::string& address() const { return endpoints_.front().display; }

 private:
  Result<std::string> text_command(protocol::Command c, std::span<const std::uint8_t> params = {}) const;
  Result<std::uint64_t> timed_command(protocol::Command fixed, Millis length, const Sink& sink) const;

  std::vector<Endpoint> endpoints_;
  Timeouts timeouts_;
  mutable std::optional<Result<std::optional<AgentDescription>>> description_;
};

}  // namespace gops::client
