// This process's threads as /proc/self/task shows them: what can be learned
// about a thread without its cooperation. Not async-signal-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gops::agent {

struct ThreadInfo {
  pid_t tid = 0;
  std::string name;       // comm
  char state = '?';       // R, S, D, T, Z, ...
  std::string wchan;      // kernel function it sleeps in, if known
  std::uint64_t blocked_signals = 0;  // SigBlk, bit N-1 = signal N
  bool blocks(int sig) const { return sig >= 1 && sig <= 64 && (blocked_signals >> (sig - 1)) & 1; }
};

std::vector<ThreadInfo> list_threads();

// "S (sleeping)", "R (running)", ...
std::string describe_state(char state);

}  // namespace gops::agent
