// stack (0x01): every thread with its TID, name, state and frames, laid out
// like the Go agent's goroutine dump (function, then a tab and the place).
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "agent/capture/stack_capture.hpp"
#include "agent/commands/commands.hpp"
#include "agent/host/agent_threads.hpp"
#include "agent/host/thread_list.hpp"
#include "common/task_state.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent {
namespace {

constexpr std::chrono::milliseconds kCaptureDeadline{1000};

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
// threads may run during static destruction); bounded.
void append_frame(std::string& out, std::uintptr_t pc, bool is_return_address) {
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
  out += hit->second;
}

std::mutex g_stack_mutex;  // one dump at a time: slots and symbolizer are shared

}  // namespace

std::string stack_reply() {
  std::lock_guard guard(g_stack_mutex);
  auto signal = capture_signal();
  int sig = signal ? *signal : 0;
  // The TIDs only: names and states come with the answers (no file read
  // per thread); the stat file is read for the threads that do not answer.
  std::vector<pid_t> tids = list_thread_ids();
  std::vector<bool> skip;
  pid_t main_tid = ::getpid();
  for (pid_t tid : tids) {
    // Known not to answer: the agent's own threads (all signals blocked),
    // and a main thread that exited before the others (a zombie).
    bool silent = is_agent_thread(tid);
    if (!silent && tid == main_tid) {
      ThreadInfo main_info;
      silent = read_thread_info(tid, main_info) && (main_info.state == 'Z' || main_info.state == 'X');
    }
    skip.push_back(silent);
  }
  auto why_silent = [sig](pid_t tid) -> NoStackReason {
    ThreadInfo info;
    if (!read_thread_info(tid, info)) return {NoStack::kExited, {}};
    if (info.state == 'Z' || info.state == 'X') return {NoStack::kCannotAnswer, "zombie"};
    if (info.state == 'T' || info.state == 't') return {NoStack::kCannotAnswer, "stopped"};
    if (thread_blocks_signal(tid, sig)) return {NoStack::kCannotAnswer, "signals blocked"};
    return {};
  };
  auto captured = signal ? capture_stacks(tids, skip, kCaptureDeadline, why_silent)
                         : Result<std::vector<CapturedStack>>(signal.error());
  symbolize::allow_refresh();

  std::string out;
  out.reserve(tids.size() * 1024);  // about a dump's size: no regrowth copies
  for (std::size_t i = 0; i < tids.size(); ++i) {
    pid_t tid = tids[i];
    const CapturedStack* stack = captured ? &(*captured)[i] : nullptr;
    if (stack != nullptr && stack->missing.kind == NoStack::kExited) continue;
    bool has_stack = stack != nullptr && !stack->pcs.empty();
    ThreadInfo t;
    t.tid = tid;
    if (stack != nullptr && stack->state != 0) {
      t.name = stack->name;
      t.state = stack->state;
    } else if (!read_thread_info(tid, t)) {
      if (!has_stack) continue;  // gone since the listing, and nothing to show
    }
    out += "thread " + std::to_string(t.tid) + " \"" + t.name + "\" [" + describe_task_state(t.state);
    // Without a stack, the kernel's wait channel is what can be said.
    if (!has_stack && t.state != 'R') {
      if (std::string wchan = thread_wchan(t.tid); !wchan.empty()) out += ", in " + wchan;
    }
    out += "]:\n";
    if (!captured) {
      out += "\t(no stack: " + captured.message() + ")\n\n";
      continue;
    }
    if (!has_stack) {
      std::string why = describe(stack->missing);
      if (why.empty() && is_agent_thread(t.tid)) why = "gops agent thread";
      if (why.empty()) why = t.state == 'Z' ? "zombie" : "not captured";
      out += "\t(no stack: " + why + ")\n\n";
      continue;
    }
    for (std::size_t f = 0; f < stack->pcs.size(); ++f) append_frame(out, stack->pcs[f], f > 0);
    out += "\n";
  }
  return out;
}

}  // namespace gops::agent
