// Two pieces of work at once: `theirs` on a thread of its own, `mine` on
// the calling thread; returns when both are done. If no thread can be
// started, both run here, one after the other. For the CLI's splits of
// work that is long enough to pay for a thread (the agent, a guest in its
// host's process, starts none).
#pragma once

#include <functional>
#include <system_error>
#include <thread>

namespace gops {

inline void run_beside(const std::function<void()>& theirs, const std::function<void()>& mine) {
  std::thread helper;
  try {
    helper = std::thread(theirs);
  } catch (const std::system_error&) {
    theirs();
  }
  mine();
  if (helper.joinable()) helper.join();
}

}  // namespace gops
