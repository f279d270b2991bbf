#include "nativestack/native_stack.hpp"

#include "nativestack/describe.hpp"
#include "nativestack/unwind.hpp"
#include "symbolize/process_symbolizer.hpp"

namespace gops::nativestack {

Result<stackdump::StackDump> dump_native_stacks(pid_t pid, const CaptureOptions& options) {
  auto capture = capture_threads(pid, options);
  if (!capture) return capture.error();
  // The mappings after the stop: the process runs again already.
  // Through a thread that ran: a zombie main thread has no maps.
  auto symbols = symbolize::ProcessSymbolizer::open(pid, capture->reader);
  if (!symbols) return symbols.error();
  std::vector<UnwoundThread> walks = unwind_threads(*capture, **symbols);
  return describe_threads(*capture, walks, **symbols);
}

}  // namespace gops::nativestack
