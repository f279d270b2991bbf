// Every thread of the process with its stack, captured once: what the stack
// dump prints and what the goroutine and threadcreate profiles count. Not
// async-signal-safe (the capture's handler is).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "agent/capture/stack_capture.hpp"

namespace gops::agent {

struct ThreadStack {
  pid_t tid = 0;
  std::string name;
  char state = '?';  // R, S, ... as the thread told, else as /proc says
  // pcs[0]: where the thread was; the rest: return addresses. Empty when
  // the thread could not be captured, and `no_stack` says why.
  std::vector<std::uintptr_t> pcs;
  std::string no_stack;
};

// Threads that exited during the capture are left out. One capture at a
// time (later callers wait). `on_stack`: see capture_stacks().
std::vector<ThreadStack> capture_thread_stacks(const StackSeen& on_stack = {});

}  // namespace gops::agent
