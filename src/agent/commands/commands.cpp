#include "agent/commands/commands.hpp"

#include <new>

namespace gops::agent {

using protocol::Command;

bool takes_varint(Command command) {
  return command == Command::kSetGcPercent || command == Command::kCpuProfileFor || command == Command::kTraceFor;
}

namespace {

// The Go protocol fixes these durations; our CLI sends its own (0x41/0x42).
constexpr std::chrono::seconds kGoCpuProfileDuration{30};
constexpr std::chrono::seconds kGoTraceDuration{5};

Reply dispatch(const Request& request, const CommandContext& context) {
  switch (request.command) {
    case Command::kStack: return {stack_reply()};
    case Command::kGc: return {gc_reply()};
    case Command::kMemStats: return {memstats_reply()};
    case Command::kVersion: return {version_reply(*context.options)};
    case Command::kStats: return {stats_reply(*context.counters)};
    case Command::kBinaryDump: return binary_reply();
    case Command::kSetGcPercent: return {set_gc_reply(request.parameter)};
    case Command::kDescribe: return {describe_reply(*context.options)};
    case Command::kHeapProfile: return {heap_profile_reply()};
    case Command::kCpuProfile: return {cpu_profile_reply(kGoCpuProfileDuration)};
    case Command::kCpuProfileFor: return {cpu_profile_reply(std::chrono::milliseconds(request.parameter))};
    case Command::kTrace: return {trace_reply(kGoTraceDuration)};
    case Command::kTraceFor: return {trace_reply(std::chrono::milliseconds(request.parameter))};
  }
  return {"gops agent (C++): unknown command\n"};
}

}  // namespace

Reply run_command(const Request& request, const CommandContext& context) noexcept {
  const char* failure = nullptr;
  try {
    return dispatch(request, context);
  } catch (const std::bad_alloc&) {
    failure = "gops agent (C++): out of memory while answering\n";
  } catch (...) {
    failure = "gops agent (C++): internal error while answering\n";
  }
  Reply reply;
  try {
    reply.text = failure;
  } catch (...) {
    // Not even that fits: the client gets an empty reply.
  }
  return reply;
}

}  // namespace gops::agent
