// stack (0x01): every thread with its TID, name, state and frames, laid out
// like the Go agent's goroutine dump (function, then a tab and the place).
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "agent/commands.hpp"
#include "agent/stack_capture.hpp"
#include "agent/symbolizer.hpp"
#include "agent/thread_list.hpp"

namespace gops::agent {
namespace {

constexpr std::chrono::milliseconds kCaptureDeadline{1000};

std::string hex(std::uintptr_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%zx", static_cast<std::size_t>(v));
  return buf;
}

void append_frame(std::string& out, std::uintptr_t pc, bool is_return_address) {
  // A return address points after the call: look up the call itself.
  Frame f = symbolize(is_return_address ? pc - 1 : pc);
  std::uintptr_t function_offset = f.function_offset + (is_return_address ? 1 : 0);
  out += f.function.empty() ? "??" : f.function;
  out += "\n\t";
  if (!f.file.empty()) {
    out += f.file + ":" + std::to_string(f.line) + " +" + hex(function_offset);
  } else if (!f.module.empty()) {
    out += f.module + "+" + hex(f.module_offset + (is_return_address ? 1 : 0));
  } else {
    out += hex(pc);
  }
  out += "\n";
}

std::mutex g_stack_mutex;  // one dump at a time: slots and symbolizer are shared

}  // namespace

std::string stack_reply() {
  std::lock_guard guard(g_stack_mutex);
  auto signal = capture_signal();
  int sig = signal ? *signal : 0;
  std::vector<ThreadInfo> threads = list_threads();
  std::vector<pid_t> tids;
  std::vector<bool> skip;
  for (const ThreadInfo& t : threads) {
    tids.push_back(t.tid);
    // Known not to answer (signal masked, e.g. the agent's own threads, or
    // dead): listed without waiting for them.
    skip.push_back(t.state == 'Z' || t.state == 'X' || t.blocks(sig));
  }
  auto captured = signal ? capture_stacks(tids, skip, kCaptureDeadline)
                         : Result<std::vector<CapturedStack>>(signal.error());
  begin_symbolizing();

  std::string out;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const ThreadInfo& t = threads[i];
    if (captured && (*captured)[i].missing == "thread exited") continue;
    out += "thread " + std::to_string(t.tid) + " \"" + t.name + "\" [" + describe_state(t.state);
    if (!t.wchan.empty()) out += ", in " + t.wchan;
    out += "]:\n";
    if (!captured) {
      out += "\t(no stack: " + captured.message() + ")\n\n";
      continue;
    }
    const CapturedStack& stack = (*captured)[i];
    if (stack.pcs.empty()) {
      std::string why = stack.missing;
      if (why.empty() && t.blocks(sig)) why = "signals blocked";
      if (why.empty()) why = t.state == 'Z' ? "zombie" : "not captured";
      out += "\t(no stack: " + why + ")\n\n";
      continue;
    }
    for (std::size_t f = 0; f < stack.pcs.size(); ++f) append_frame(out, stack.pcs[f], f > 0);
    out += "\n";
  }
  return out;
}

}  // namespace gops::agent
