// Stub: list, tree, process and modules land here (issue 2).
#include "cli/cli.hpp"

namespace gops::cli {

void add_process_commands(Cli& cli) {
  cli.default_action = [] { return fail("the process list is not built yet"); };
}

}  // namespace gops::cli
