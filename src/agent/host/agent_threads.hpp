// The TIDs of the agent's own threads, so that a stack dump lists them as
// the agent's (they block every signal, the capture signal included)
// instead of waiting for them. Lock-free: a fixed array of atomics.
#pragma once

#include <sys/types.h>

namespace gops::agent {

// Called by each agent thread when it starts, and when it ends.
void note_agent_thread_started() noexcept;
void note_agent_thread_ended() noexcept;

bool is_agent_thread(pid_t tid) noexcept;

}  // namespace gops::agent
