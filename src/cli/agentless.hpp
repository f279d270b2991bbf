// The agent commands without an agent: stack, stats, version and memstats
// of a Go process that runs none, read from its memory (src/goruntime);
// and the stack of any other process that runs none, its threads stopped
// briefly and unwound (src/nativestack).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.hpp"

namespace gops::cli {

struct AgentlessOptions {
  bool all = false;     // runtime goroutines and frames too
  bool freeze = false;  // stop the target for a consistent snapshot
  bool json = false;
  bool threads = false;  // a Go process's OS threads, not its goroutines
};

// Whether `target` is to be read without an agent: with `forced`
// (--agentless), any PID; otherwise a PID that has no agent port file and
// is a Go program (or one we may not look at: the read says why). nullopt:
// use the agent, as the Go gops does (and report what it reports).
// `any_process` (stack): a PID with no port file is read whatever it runs.
Result<std::optional<pid_t>> agentless_target(const std::string& target, bool forced, bool any_process = false);

int agentless_stack(pid_t pid, const AgentlessOptions& options);
int agentless_stats(pid_t pid);
int agentless_version(pid_t pid);
int agentless_memstats(pid_t pid);

// A stack reply from an agent (Go or ours), as JSON.
std::string stack_reply_json(const std::string& reply);

}  // namespace gops::cli
