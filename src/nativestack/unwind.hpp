// Stack walks over the copies of a capture (capture.hpp), after the
// process runs again: elfutils' libdwfl unwinder with our own memory and
// register callbacks. libdwfl because it is already the symbolizer's
// library, it reads CFI from .eh_frame and, where that has none,
// .debug_frame (and falls back to frame pointers), its module list is the
// symbolizer's (one report of /proc/PID/maps, one open per file), and its
// callbacks let every memory read come from our copy of the stack instead
// of ptrace: eu-stack runs the same unwinder but reads the stack a word at a
// time with PTRACE_PEEKDATA while the process is stopped. libunwind's remote
// API would need a find_proc_info of our own over the same files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attach/process_memory.hpp"
#include "nativestack/capture.hpp"
#include "symbolize/process_symbolizer.hpp"

namespace gops::nativestack {

struct UnwoundFrame {
  std::uint64_t pc = 0;
  bool is_return_address = false;  // look up pc - 1 (the call), not pc
};

struct UnwoundThread {
  std::vector<UnwoundFrame> frames;  // innermost first
  // Words read from the running process because they were outside the
  // copied window (deep stacks): those frames may not match the stop.
  std::size_t live_reads = 0;
  bool truncated = false;  // more than kMaxFrames
};

inline constexpr std::size_t kMaxFrames = 256;

// One walk per stopped thread of `capture`, in its order; empty for a
// thread that did not stop. `symbols` lends its module list (and its
// process: libdwfl is attached to it once).
std::vector<UnwoundThread> unwind_threads(const Capture& capture, symbolize::ProcessSymbolizer& symbols);

}  // namespace gops::nativestack
