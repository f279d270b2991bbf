#include "protocol/commands.hpp"

namespace gops::protocol {

std::string_view command_name(Command c) {
  switch (c) {
    case Command::kStack: return "stack";
    case Command::kGc: return "gc";
    case Command::kMemStats: return "memstats";
    case Command::kVersion: return "version";
    case Command::kHeapProfile: return "pprof-heap";
    case Command::kCpuProfile: return "pprof-cpu";
    case Command::kStats: return "stats";
    case Command::kTrace: return "trace";
    case Command::kBinaryDump: return "binary";
    case Command::kSetGcPercent: return "setgc";
    case Command::kDescribe: return "describe";
    case Command::kCpuProfileFor: return "pprof-cpu-for";
    case Command::kTraceFor: return "trace-for";
  }
  return {};
}

bool takes_varint(Command c) {
  return c == Command::kSetGcPercent || c == Command::kCpuProfileFor || c == Command::kTraceFor;
}

std::optional<Command> command_from_byte(std::uint8_t b) {
  auto c = static_cast<Command>(b);
  if (command_name(c).empty()) return std::nullopt;
  return c;
}

}  // namespace gops::protocol
