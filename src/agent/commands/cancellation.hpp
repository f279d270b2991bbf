// How a long command (a CPU profile, a trace) learns that it should stop
// early: its context carries a std::stop_token that the server requests
// when the client hangs up or the agent closes. Waiting on it never
// outlasts the request by more than a scheduling delay, so close() does not
// wait out a 30 s profile, and an abandoned profile does not run on.
#pragma once

#include <chrono>
#include <stop_token>

namespace gops::agent {

struct Cancellation {
  std::stop_token stop;     // requested when the client hangs up or the agent closes
  std::stop_token closing;  // requested when the agent closes
  // Why `stop` was requested, for the reply's "stopped" line.
  const char* why() const { return closing.stop_requested() ? "the agent is closing" : "the client hung up"; }
};

// Waits `how_long`; false as soon as a stop is requested (at once if it
// already was), true when the time passed.
bool wait_unless_stopped(std::stop_token stop, std::chrono::steady_clock::duration how_long);

// Calls `tick` every `step` until `deadline`; false as soon as a stop is
// requested (then `tick` is not called again).
template <class Tick>
bool tick_until(std::stop_token stop, std::chrono::steady_clock::time_point deadline,
                std::chrono::steady_clock::duration step, Tick tick) {
  for (auto now = std::chrono::steady_clock::now(); now < deadline; now = std::chrono::steady_clock::now()) {
    if (!wait_unless_stopped(stop, std::min(step, deadline - now))) return false;
    tick();
  }
  return true;
}

}  // namespace gops::agent
