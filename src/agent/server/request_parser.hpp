// The request a client sends: one command byte, then, for the commands that
// take one, a varint (DESIGN.md §2). Fed whatever has arrived, as it
// arrives; bytes after the request are left alone. Bytes from anyone who
// can connect: fuzzed (fuzz/request_parser_fuzz.cpp). No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/commands/commands.hpp"
#include "protocol/varint.hpp"

namespace gops::agent {

class RequestParser {
 public:
  enum class State {
    kNeedMore,
    kComplete,
    // An unknown command byte (the Go agent closes without a reply) or a
    // varint longer than 64 bits.
    kBad,
  };

  // Consumes bytes up to the end of the request; `used` (if given) says how
  // many. Once complete or bad, consumes nothing more.
  State feed(std::span<const std::uint8_t> bytes, std::size_t* used = nullptr);

  State state() const { return state_; }
  // Valid once complete. Unsigned parameters above INT64_MAX are clamped to
  // it (the commands bound them far lower); setgc's is zig-zag decoded.
  const Request& request() const { return request_; }

 private:
  State state_ = State::kNeedMore;
  bool have_command_ = false;
  Request request_;
  protocol::VarintDecoder parameter_;
};

}  // namespace gops::agent
