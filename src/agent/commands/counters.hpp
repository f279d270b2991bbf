// The agent's own counters, shown by `gops stats`. Lock-free atomics:
// bumped by the listener and the workers, read by the stats command.
#pragma once

#include <atomic>
#include <cstdint>

namespace gops::agent {

struct Counters {
  std::atomic<std::uint64_t> served{0};   // replies written in full
  std::atomic<std::uint64_t> refused{0};  // closed unanswered by access control
  std::atomic<std::uint64_t> dropped{0};  // timed out, unknown byte, bad parameter, over capacity
};

}  // namespace gops::agent
