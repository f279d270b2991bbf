// Stub: `gops modules <pid|file>` lands here (issue 2).
#include "cli/cli.hpp"

namespace gops::cli {

void add_modules_command(Cli&) {}

}  // namespace gops::cli
