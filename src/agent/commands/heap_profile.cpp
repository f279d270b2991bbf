// pprof-heap (0x05) for a C++ process: the heap sampler's call sites as a
// pprof profile (heap_snapshot.hpp). Without the sampler: one sentence on
// how to enable it.
#include "agent/commands/commands.hpp"
#include "agent/commands/heap_snapshot.hpp"

namespace gops::agent {

Result<std::string> heap_profile_reply() {
  Result<HeapSnapshot> snapshot = take_heap_snapshot();
  if (!snapshot) return snapshot.error();
  Result<std::string> profile = heap_profile_proto(*snapshot);
  if (!profile) return Error{"pprof-heap failed: " + profile.message()};
  return profile;
}

}  // namespace gops::agent
