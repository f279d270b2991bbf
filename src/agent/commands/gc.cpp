// gc (0x02) and setgc (0x10): a C++ process has no collector; gc returns
// free memory to the system through the allocator in use.
#include "agent/commands/commands.hpp"
#include "agent/host/allocator.hpp"

namespace gops::agent {

std::string gc_reply() {
  release_free_memory();
  return "ok";  // the Go agent's exact reply, no newline
}

std::string set_gc_reply(std::int64_t percent) {
  return "A C++ process has no garbage collector: GC percent " + std::to_string(percent) +
         " not applied (use `gops gc` to return free memory to the system).\n";
}

}  // namespace gops::agent
