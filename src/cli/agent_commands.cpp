// Stub: the agent commands land here (issue 3).
#include "cli/cli.hpp"

namespace gops::cli {

void add_agent_commands(Cli&) {}

}  // namespace gops::cli
