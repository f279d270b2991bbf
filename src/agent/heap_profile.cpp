// pprof-heap for a C++ process. Not built yet: answers with one clear line.
#include "agent/commands.hpp"

namespace gops::agent {

std::string heap_profile_reply() {
  return "gops agent (C++): pprof-heap is not supported by this agent yet\n";
}

}  // namespace gops::agent
