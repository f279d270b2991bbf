// The threads as Go's goroutine and threadcreate profiles count goroutines:
// identical stacks counted together, written as a pprof profile (debug=0,
// what Parca and Grafana Alloy read) or as Go's legacy text (debug=1).
// Not async-signal-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/commands/thread_stacks.hpp"
#include "common/result.hpp"

namespace gops::agent {

enum class ThreadProfile {
  kGoroutine,     // every thread by its whole stack
  kThreadCreate,  // every thread by where it began (the frames from its
                  // start up to the first one outside the C and C++ runtime)
};

const char* profile_name(ThreadProfile kind);  // "goroutine", "threadcreate"

// Stacks (leaf first) and how many threads have each. A thread without a
// stack counts under the empty stack.
using StackCounts = std::map<std::vector<std::uintptr_t>, std::int64_t>;

StackCounts count_thread_stacks(const std::vector<ThreadStack>& threads, ThreadProfile kind);

// `later` minus `earlier`, stacks whose count did not change left out (as
// Go's delta profiles).
StackCounts subtract(const StackCounts& later, const StackCounts& earlier);

// Gzipped pprof: sample and period type "<name>/count", period 1.
Result<std::string> thread_profile_proto(ThreadProfile kind, const StackCounts& counts, std::int64_t time_nanos,
                                         std::int64_t duration_nanos = 0);

// Go's debug=1 text: "<name> profile: total N", then each stack by count.
std::string thread_profile_text(ThreadProfile kind, const StackCounts& counts);

// The "#\t0xPC\tfunction+0xOFF\tfile:line" lines Go's text profiles print
// for a stack (leaf first, return addresses after the first), and the
// blank line after them.
std::string legacy_stack_lines(const std::vector<std::uintptr_t>& pcs, bool first_is_return_address);

}  // namespace gops::agent
