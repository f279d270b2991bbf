// A thread's state letter from /proc/PID/task/TID/stat, in the words
// /proc/PID/status uses for it ("S (sleeping)"): both the agent and the
// CLI's agentless dumps print it after each thread's name.
#pragma once

#include <string>

namespace gops {

inline std::string describe_task_state(char state) {
  switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 't': return "t (tracing stop)";
    case 'X': return "X (dead)";
    case 'Z': return "Z (zombie)";
    case 'P': return "P (parked)";
    case 'I': return "I (idle)";
    default: return std::string(1, state);
  }
}

}  // namespace gops
