// One command round trip over TCP (docs/design.md §2): connect, write the
// command byte and its parameters, read the reply to end of stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "client/endpoint.hpp"
#include "common/result.hpp"

namespace gops::client {

using Millis = std::chrono::milliseconds;

struct Timeouts {
  Millis connect{3000};
  // Longest silence allowed while reading the reply. The wait for the first
  // byte also gets `work` on top: the time the command itself runs (30 s for
  // a Go agent's CPU profile) before it writes anything.
  Millis idle{15000};
  Millis work{0};
};

// Receives the reply as it arrives; an error stops the read.
using Sink = std::function<Status(std::span<const char>)>;

// Dials the endpoints in order until one accepts, sends `request`, and
// streams the reply into `sink` until the agent closes the connection.
// Errors are one line naming the address: refused, reset, timed out.
// Returns the number of reply bytes.
Result<std::uint64_t> exchange(const std::vector<Endpoint>& endpoints,
                               std::span<const std::uint8_t> request, const Timeouts& timeouts,
                               const Sink& sink);

// exchange() into a string, failing if the reply grows beyond `limit`.
Result<std::string> exchange_text(const std::vector<Endpoint>& endpoints,
                                  std::span<const std::uint8_t> request, const Timeouts& timeouts,
                                  std::size_t limit = 64u << 20);

}  // namespace gops::client
