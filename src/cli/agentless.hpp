// The agent commands without an agent: stack, stats, version and memstats
// of a Go process that runs none, read from its memory (src/goruntime).
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
};

// Whether `target` is to be read without an agent: with `forced`
// (--agentless), any PID; otherwise a PID that has no agent port file and
// is a Go program (or one we may not look at: the read says why). nullopt:
// use the agent, as the Go gops does (and report what it reports).
Result<std::optional<pid_t>> agentless_target(const std::string& target, bool forced);

int agentless_stack(pid_t pid, const AgentlessOptions& options);
int agentless_stats(pid_t pid);
int agentless_version(pid_t pid);
int agentless_memstats(pid_t pid);

// A stack reply from an agent (Go or ours), as JSON.
std::string stack_reply_json(const std::string& reply);

}  // namespace gops::cli
