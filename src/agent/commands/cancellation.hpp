// How a long command (a CPU profile, a trace) learns that it should stop
// early: its context carries a std::stop_token that the server requests
// when the agent closes. Waiting on it never outlasts the request by more
// than a scheduling delay, so close() does not wait out a 30 s profile.
#pragma once

#include <chrono>
#include <stop_token>

namespace gops::agent {

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
