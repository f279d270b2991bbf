// stack (0x01): placeholder until capture and symbolization land.
#include "agent/commands.hpp"

namespace gops::agent {

std::string stack_reply() { return "gops agent (C++): stack capture is not available yet\n"; }

}  // namespace gops::agent
