#include "agent/commands/commands.hpp"

#include <new>

#include "protocol/agent_error.hpp"

namespace gops::agent {

using protocol::Command;

namespace {

// The Go protocol fixes these durations; our CLI sends its own (0x41/0x42).
constexpr std::chrono::seconds kGoCpuProfileDuration{30};
constexpr std::chrono::seconds kGoTraceDuration{5};

Result<Reply> as_reply(Result<std::string> text) {
  if (!text) return text.error();
  return Reply{std::move(*text)};
}

Result<Reply> dispatch(const Request& request, const CommandContext& context) {
  using std::chrono::milliseconds;
  switch (request.command) {
    case Command::kStack: return Reply{stack_reply()};
    case Command::kGc: return Reply{gc_reply()};
    case Command::kMemStats: return Reply{memstats_reply()};
    case Command::kVersion: return Reply{version_reply(*context.options)};
    case Command::kStats: return Reply{stats_reply(*context.counters)};
    case Command::kBinaryDump: return binary_reply();
    case Command::kSetGcPercent: return Reply{set_gc_reply(request.parameter)};
    case Command::kDescribe: return Reply{describe_reply(*context.options)};
    case Command::kHeapProfile: return as_reply(heap_profile_reply());
    case Command::kCpuProfile: return as_reply(cpu_profile_reply(kGoCpuProfileDuration, context.cancel));
    case Command::kCpuProfileFor:
      return as_reply(cpu_profile_reply(milliseconds(request.parameter), context.cancel));
    case Command::kTrace: return as_reply(trace_reply(kGoTraceDuration, context.cancel));
    case Command::kTraceFor: return as_reply(trace_reply(milliseconds(request.parameter), context.cancel));
  }
  return Error{"unknown command"};
}

}  // namespace

Reply run_command(const Request& request, const CommandContext& context) noexcept {
  const char* failure = nullptr;
  try {
    Result<Reply> reply = dispatch(request, context);
    if (reply) return std::move(*reply);
    return Reply{protocol::agent_error_reply(reply.message())};
  } catch (const std::bad_alloc&) {
    failure = "out of memory while answering";
  } catch (...) {
    failure = "internal error while answering";
  }
  Reply reply;
  try {
    reply.text = protocol::agent_error_reply(failure);
  } catch (...) {
    // Not even that fits: the client gets an empty reply.
  }
  return reply;
}

}  // namespace gops::agent
