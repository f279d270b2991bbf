// Every goroutine of a running Go program, read from its memory: the
// runtime.allgs list, each g validated (stack bounds, PCs inside the text,
// a sane goroutine id), its stack copied and unwound by the function
// table, formatted as the release's own traceback prints it
// (runtime.Stack(all): goroutine header, frames with arguments, inlined
// frames, "created by"). Runtime-internal goroutines and frames are hidden
// as the runtime hides them at GOTRACEBACK=single/all; `all` shows them.
//
// The target runs meanwhile unless it is frozen: a goroutine whose g or
// stack changed between the reads is read again, then shown without
// frames and counted; a goroutine running on a CPU has no saved state to
// unwind (it is shown as such) unless the freeze gives its thread's
// registers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "attach/freeze.hpp"
#include "common/result.hpp"
#include "goruntime/arena.hpp"
#include "goruntime/go_process.hpp"
#include "stackdump/stack_dump.hpp"

namespace gops::goruntime {

struct DumpOptions {
  bool all = false;                       // runtime goroutines and frames too
  const attach::Freeze* freeze = nullptr; // the target is stopped: registers of running threads
  int retries = 3;                        // reads of a goroutine that keeps changing
};

// What is read of each goroutine: its g, where its frames start and a
// copy of its stack from there up. Only this needs the target (frozen or
// consistent); unwinding and formatting work on the copies.
// Its memory (the goroutines, their stack copies) is the process's arena:
// it lives no longer than the GoProcess.
struct GoroutineCapture;
struct Capture {
  std::vector<GoroutineCapture, ArenaAllocator<GoroutineCapture>> goroutines;
  std::uint64_t invalid = 0;
  std::uint64_t changing = 0;
  explicit Capture(Arena& arena);
  ~Capture();
  Capture(Capture&&) noexcept;
  Capture& operator=(Capture&&) noexcept;
};

Result<Capture> capture_goroutines(const GoProcess& process, const DumpOptions& options = {});
// Looks up, while the target runs, what capture_goroutines will need and
// can keep (where allgs is, the functions its goroutines started in, the
// memory the copies will take, faulted in), so that a capture under a
// freeze reads little but the goroutines themselves, and takes no faults.
Status prepare_capture(const GoProcess& process);
stackdump::StackDump describe_goroutines(const GoProcess& process, const Capture& capture, bool all);
// The same one goroutine at a time, in the runtime's order (allgs): a dump
// printed as it is described needs memory for one goroutine, not for all.
void describe_each(const GoProcess& process, const Capture& capture, bool all,
                   const std::function<void(stackdump::Goroutine&)>& each);
// What a dump says besides its goroutines: how many were not shown.
stackdump::StackDump dump_summary(const Capture& capture);

// What the Go agent's `stats` reports, read from memory: goroutines as
// runtime.NumGoroutine counts them (live, not the runtime's own), OS
// threads (the process's threads), GOMAXPROCS and runtime.NumCPU.
struct RuntimeStats {
  std::uint64_t goroutines = 0;
  std::uint64_t threads = 0;
  std::int32_t gomaxprocs = 0;
  std::int32_t ncpu = 0;
};
Result<RuntimeStats> read_stats(const GoProcess& process);

}  // namespace gops::goruntime
