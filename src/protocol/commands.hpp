// The gops wire protocol: one TCP connection per command, one command byte
// (plus parameters), the whole reply, then the agent closes (docs/design.md §2).
// Shared by the CLI and the agent; standard library only, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gops::protocol {

enum class Command : std::uint8_t {
  // The Go agent's bytes (github.com/google/gops/signal).
  kStack = 0x01,
  kGc = 0x02,
  kMemStats = 0x03,
  kVersion = 0x04,
  kHeapProfile = 0x05,
  kCpuProfile = 0x06,  // 30 s, fixed by the Go protocol
  kStats = 0x07,
  kTrace = 0x08,       // 5 s, fixed by the Go protocol
  kBinaryDump = 0x09,
  kSetGcPercent = 0x10,  // param: zig-zag varint (Go's binary.PutVarint)

  // Our extensions. A Go agent closes the connection on these without a
  // reply, so the CLI sends them only to a peer that answered kDescribe.
  kDescribe = 0x40,       // reply: one JSON line {"agent":..,"version":..,"commands":[..]}
  kCpuProfileFor = 0x41,  // param: uvarint duration in milliseconds
  kTraceFor = 0x42,       // param: uvarint duration in milliseconds
};

// Every command, in byte order: what our agent answers.
inline constexpr Command kAllCommands[] = {
    Command::kStack,       Command::kGc,           Command::kMemStats, Command::kVersion,
    Command::kHeapProfile, Command::kCpuProfile,   Command::kStats,    Command::kTrace,
    Command::kBinaryDump,  Command::kSetGcPercent, Command::kDescribe, Command::kCpuProfileFor,
    Command::kTraceFor,
};

constexpr std::uint8_t byte_of(Command c) { return static_cast<std::uint8_t>(c); }

// The CLI verb for a command byte ("stack", "pprof-cpu", ...), or empty.
std::string_view command_name(Command c);

// The command for a byte that some agent understands, if any.
std::optional<Command> command_from_byte(std::uint8_t b);

// Whether `c` carries a varint parameter after its byte.
bool takes_varint(Command c);

}  // namespace gops::protocol
