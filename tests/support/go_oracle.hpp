// The oracle: the Go runtime's own dump of every goroutine (SIGQUIT with
// GOTRACEBACK=system, or an agent's runtime/pprof debug=2 reply), compared
// goroutine by goroutine with ours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stackdump/stack_dump.hpp"

namespace gops::test {

struct OracleComparison {
  std::size_t compared = 0;           // goroutines in both, parked in both
  std::vector<std::string> mismatches;  // one per goroutine that differs, with both versions
  std::vector<std::uint64_t> only_ours, only_oracle;
};

// Goroutines running on a CPU in either dump have no stable frames and are
// skipped, and so is goroutine 0 (the signal handler's stack). For the
// others the header (status, minutes, locked), every frame (function,
// arguments, file, line, offset) and "created by" must agree.
OracleComparison compare_with_oracle(const stackdump::StackDump& ours, const stackdump::StackDump& oracle);

std::string describe(const stackdump::Goroutine& g);

}  // namespace gops::test
