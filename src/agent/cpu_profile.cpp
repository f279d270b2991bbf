// pprof-cpu for a C++ process. Not built yet: answers with one clear line.
#include "agent/commands.hpp"

namespace gops::agent {

std::string cpu_profile_reply(std::chrono::milliseconds /*duration*/) {
  return "gops agent (C++): pprof-cpu is not supported by this agent yet\n";
}

}  // namespace gops::agent
