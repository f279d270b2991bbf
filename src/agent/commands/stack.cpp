// stack (0x01): every thread with its TID, name, state and frames, laid out
// like the Go agent's goroutine dump (function, then a tab and the place).
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "agent/commands/commands.hpp"
#include "agent/commands/thread_stacks.hpp"
#include "agent/host/thread_list.hpp"
#include "common/task_state.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent {
namespace {

std::string hex(std::uintptr_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%zx", static_cast<std::size_t>(v));
  return buf;
}

// One captured address as the dump shows it: each function inlined there
// (innermost first, "(inlined)"), then the function it was inlined into
// with its offset; without line info, the module and offset.
std::string format_frame(std::uintptr_t pc, bool is_return_address) {
  // A return address points after the call: look up the call itself.
  std::uintptr_t lookup = is_return_address ? pc - 1 : pc;
  symbolize::ModuleLocation where = symbolize::module_location(lookup);
  std::uintptr_t function_offset = where.symbol_offset + (is_return_address ? 1 : 0);
  std::vector<symbolize::SourceFrame> source = symbolize::source_frames(lookup);
  std::string out;
  if (!source.empty() && !source.back().file.empty()) {
    for (std::size_t i = 0; i < source.size(); ++i) {
      bool inlined = i + 1 < source.size();
      out += source[i].function.empty() ? "??" : source[i].function;
      out += "\n\t" + source[i].file + ":" + std::to_string(source[i].line);
      out += inlined ? " (inlined)\n" : " +" + hex(function_offset) + "\n";
    }
    return out;
  }
  out += where.symbol.empty() ? "??" : where.symbol;
  out += "\n\t";
  if (!where.module.empty()) {
    out += where.module + "+" + hex(where.module_offset + (is_return_address ? 1 : 0));
  } else {
    out += hex(pc);
  }
  out += "\n";
  return out;
}

// Formatted frames by address: threads share most of their frames, and a
// dump of a large process is mostly lookups here. Leaked on purpose (agent
// threads may run during static destruction); bounded. Called with
// frames_mutex held.
const std::string& frame_text(std::uintptr_t pc, bool is_return_address) {
  static auto* cache = new std::unordered_map<std::uintptr_t, std::string>;
  static unsigned generation = 0;
  std::uintptr_t key = pc << 1 | (is_return_address ? 1 : 0);
  auto hit = cache->find(key);
  if (hit == cache->end()) {
    std::string text = format_frame(pc, is_return_address);
    if (generation != symbolize::generation() || cache->size() > 100000) {
      cache->clear();  // modules were reported anew (dlopen): old entries may be stale
      generation = symbolize::generation();
    }
    hit = cache->emplace(key, std::move(text)).first;
  }
  return hit->second;
}

std::mutex frames_mutex;  // frame_text's cache

}  // namespace


std::string stack_reply() {
  std::lock_guard guard(frames_mutex);
  // Each stack's frames are formatted as it comes in, while the other
  // threads still answer: the first dump's symbolizing (loading debug
  // info) runs beside the capture instead of after it.
  std::vector<ThreadStack> threads = capture_thread_stacks([](const std::uintptr_t* pcs, int depth) {
    for (int f = 0; f < depth; ++f) frame_text(pcs[f], f > 0);
  });
  std::string out;
  out.reserve(threads.size() * 1024);  // about a dump's size: no regrowth copies
  for (const ThreadStack& t : threads) {
    out += "thread " + std::to_string(t.tid) + " \"" + t.name + "\" [" + describe_task_state(t.state);
    // Without a stack, the kernel's wait channel is what can be said.
    if (t.pcs.empty() && t.state != 'R') {
      if (std::string wchan = thread_wchan(t.tid); !wchan.empty()) out += ", in " + wchan;
    }
    out += "]:\n";
    if (t.pcs.empty()) {
      out += "\t(no stack: " + t.no_stack + ")\n\n";
      continue;
    }
    for (std::size_t f = 0; f < t.pcs.size(); ++f) out += frame_text(t.pcs[f], f > 0);
    out += "\n";
  }
  return out;
}

}  // namespace gops::agent
