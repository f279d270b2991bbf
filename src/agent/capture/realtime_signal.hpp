// A real-time signal that the host does not use, for the agent's own
// handlers (stack capture, tracing). Not async-signal-safe.
#pragma once

#include <signal.h>

#include <atomic>

#include "common/result.hpp"

namespace gops::agent {

using SignalHandler = void (*)(int, siginfo_t*, void*);

// Installs `handler` (SA_SIGINFO | SA_RESTART | SA_ONSTACK, every signal
// blocked while it runs) on the highest real-time signal whose disposition
// is still the default, records it in `claimed` and returns it; once
// `claimed` holds a signal, that signal is returned. The claim is kept for
// the process's life: uninstalling would let a late signal kill the process
// with the default action. Claims are serialized, so two claimers never
// share a signal.
Result<int> claim_realtime_signal(std::atomic<int>& claimed, SignalHandler handler);

}  // namespace gops::agent
