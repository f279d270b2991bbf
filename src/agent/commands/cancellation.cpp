#include "agent/commands/cancellation.hpp"

#include <condition_variable>
#include <mutex>

namespace gops::agent {

bool wait_unless_stopped(std::stop_token stop, std::chrono::steady_clock::duration how_long) {
  std::mutex mutex;
  std::condition_variable_any wake;  // notified by the stop request itself
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, how_long, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace gops::agent
