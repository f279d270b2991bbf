#include "nativestack/unwind.hpp"

#include <elfutils/libdwfl.h>

#include <cstring>

namespace gops::nativestack {
namespace {

struct Walk {
  const Capture* capture = nullptr;
  const ThreadCapture* current = nullptr;  // the thread being unwound
  attach::ProcessMemory live;
  std::size_t next = 0;  // next_thread's position
  UnwoundThread* out = nullptr;
};

pid_t next_thread(Dwfl*, void* dwfl_arg, void** thread_argp) {
  auto* walk = static_cast<Walk*>(dwfl_arg);
  const auto& threads = walk->capture->threads;
  while (walk->next < threads.size()) {
    const ThreadCapture& t = threads[walk->next++];
    if (t.stop != attach::ThreadStop::kStopped) continue;
    *thread_argp = const_cast<ThreadCapture*>(&t);
    return t.tid;
  }
  return 0;
}

bool get_thread(Dwfl*, pid_t tid, void* dwfl_arg, void** thread_argp) {
  auto* walk = static_cast<Walk*>(dwfl_arg);
  if (walk->current == nullptr || walk->current->tid != tid) return false;
  *thread_argp = const_cast<ThreadCapture*>(walk->current);
  return true;
}

// A word of the stopped thread's stack from the copy; any other address
// (another thread's stack, data an unwind rule points at) from the process
// as it is now.
bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* dwfl_arg) {
  auto* walk = static_cast<Walk*>(dwfl_arg);
  if (const ThreadCapture* t = walk->current) {
    if (addr >= t->stack_addr && addr - t->stack_addr + sizeof *result <= t->stack.size()) {
      std::memcpy(result, t->stack.data() + (addr - t->stack_addr), sizeof *result);
      return true;
    }
  }
  std::uint64_t word = 0;
  if (!walk->live.read(addr, {reinterpret_cast<std::uint8_t*>(&word), sizeof word})) return false;
  if (walk->out) ++walk->out->live_reads;
  *result = word;
  return true;
}

bool set_initial_registers(Dwfl_Thread* thread, void* thread_arg) {
  const auto* t = static_cast<const ThreadCapture*>(thread_arg);
  const auto& regs = t->regs.dwarf;
  if (!dwfl_thread_state_registers(thread, 0, regs.size(), regs.data())) return false;
  dwfl_thread_state_register_pc(thread, t->regs.pc);
  return true;
}

const Dwfl_Thread_Callbacks kCallbacks = {
    next_thread, get_thread, memory_read, set_initial_registers, nullptr, nullptr,
};

int on_frame(Dwfl_Frame* frame, void* arg) {
  auto* out = static_cast<UnwoundThread*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  if (pc == 0) return DWARF_CB_ABORT;  // the outermost frame's return address
  if (out->frames.size() >= kMaxFrames) {
    out->truncated = true;
    return DWARF_CB_ABORT;
  }
  out->frames.push_back({pc, !activation});
  return DWARF_CB_OK;
}

}  // namespace

std::vector<UnwoundThread> unwind_threads(const Capture& capture, symbolize::ProcessSymbolizer& symbols) {
  std::vector<UnwoundThread> out(capture.threads.size());
  // libdwfl keeps &walk as the process's argument until dwfl_end; it only
  // calls back from dwfl_getthread_frames (there is no detach callback),
  // so nothing reaches it after this function returns.
  Walk walk{&capture, nullptr, attach::ProcessMemory(capture.reader), 0, nullptr};
  Dwfl* dwfl = symbols.dwfl();
  if (!dwfl_attach_state(dwfl, nullptr, capture.pid, &kCallbacks, &walk)) {
    // No module with an ELF file: the machine cannot be told; pcs only.
    for (std::size_t i = 0; i < capture.threads.size(); ++i)
      if (capture.threads[i].stop == attach::ThreadStop::kStopped)
        out[i].frames.push_back({capture.threads[i].regs.pc, false});
    return out;
  }
  for (std::size_t i = 0; i < capture.threads.size(); ++i) {
    const ThreadCapture& t = capture.threads[i];
    if (t.stop != attach::ThreadStop::kStopped) continue;
    walk.current = &t;
    walk.out = &out[i];
    // Ends with an error at the outermost frame (no CFI says where its
    // caller is): the frames gathered so far are the stack.
    dwfl_getthread_frames(dwfl, t.tid, on_frame, &out[i]);
    if (out[i].frames.empty()) out[i].frames.push_back({t.regs.pc, false});
  }
  walk.current = nullptr;
  walk.out = nullptr;
  return out;
}

}  // namespace gops::nativestack
