// One function per command (as in the Go agent): each turns a parsed
// request into the bytes of its reply, or an error that run_command turns
// into the one-line error reply (protocol/agent_error.hpp). Run on an agent
// worker thread, never in a signal handler; none throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include <gops/agent.hpp>

#include "agent/commands/cancellation.hpp"
#include "agent/commands/counters.hpp"
#include "common/result.hpp"
#include "protocol/commands.hpp"

namespace gops::agent {

struct Request {
  protocol::Command command = protocol::Command::kStack;
  std::int64_t parameter = 0;  // setgc's percentage, the *-for durations
};

// `text` is written first, then `stream_fd`'s bytes to its end (the binary
// dump streams the executable instead of holding it in memory).
struct Reply {
  std::string text;
  int stream_fd = -1;  // owned by the writer, closed after use
};

struct CommandContext {
  const Options* options = nullptr;
  const Counters* counters = nullptr;
  Cancellation cancel;  // long commands end early when the client hangs up or the agent closes
};

// Dispatches; a command that fails still answers, with its one-line error.
Reply run_command(const Request& request, const CommandContext& context) noexcept;

std::string stack_reply();
std::string gc_reply();
std::string set_gc_reply(std::int64_t percent);
std::string memstats_reply();
std::string version_reply(const Options& options);
std::string stats_reply(const Counters& counters);
std::string describe_reply(const Options& options);
Result<Reply> binary_reply();
// Prometheus' text exposition of the process and the agent (metrics.cpp).
std::string metrics_text(const Options& options, const Counters& counters);
// Each in its own file (cpu_profile.cpp, heap_profile.cpp, trace.cpp).
Result<std::string> cpu_profile_reply(std::chrono::milliseconds duration, const Cancellation& cancel);
Result<std::string> heap_profile_reply();
Result<std::string> trace_reply(std::chrono::milliseconds duration, const Cancellation& cancel);

}  // namespace gops::agent
