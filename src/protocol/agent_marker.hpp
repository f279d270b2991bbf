// The mark of an executable that contains the C++ agent: a section of this
// name. The list looks for it in the section headers it already reads, so
// that a process that may run our agent (and so have a port file in its
// own config dir, perhaps inside a container) is looked at further while
// every other process still costs one statx (cli/process_scan.hpp).
#pragma once

#include <string_view>

namespace gops::protocol {

inline constexpr std::string_view kAgentMarkerSection = "gops_agent";

}  // namespace gops::protocol
