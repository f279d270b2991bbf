// trace for a C++ process. Not built yet: answers with one clear line.
#include "agent/commands.hpp"

namespace gops::agent {

std::string trace_reply(std::chrono::milliseconds /*duration*/) {
  return "gops agent (C++): trace is not supported by this agent yet\n";
}

}  // namespace gops::agent
