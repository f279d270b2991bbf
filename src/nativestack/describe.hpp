// A capture and its walks as a stack dump (stackdump/stack_dump.hpp), frame
// for frame as our agent shows the same threads (src/agent/commands/
// stack.cpp): each function inlined at an address, innermost first, then
// the function it was inlined into with its offset; without line info, the
// module and offset.
#pragma once

#include <vector>

#include "nativestack/capture.hpp"
#include "nativestack/unwind.hpp"
#include "stackdump/stack_dump.hpp"
#include "symbolize/process_symbolizer.hpp"

namespace gops::nativestack {

stackdump::StackDump describe_threads(const Capture& capture, const std::vector<UnwoundThread>& walks,
                                      symbolize::ProcessSymbolizer& symbols);

}  // namespace gops::nativestack
