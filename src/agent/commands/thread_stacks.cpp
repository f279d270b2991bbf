#include "agent/commands/thread_stacks.hpp"

#include <unistd.h>

#include <chrono>
#include <mutex>

#include "agent/capture/stack_capture.hpp"
#include "agent/host/agent_threads.hpp"
#include "agent/host/thread_list.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent {
namespace {

constexpr std::chrono::milliseconds kCaptureDeadline{1000};

std::mutex g_capture_mutex;  // one capture at a time: slots and symbolizer are shared

}  // namespace

std::vector<ThreadStack> capture_thread_stacks(const StackSeen& on_stack) {
  std::lock_guard guard(g_capture_mutex);
  // Before the capture: on_stack may symbolize while it runs.
  symbolize::allow_refresh();
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
  auto captured = signal ? capture_stacks(tids, skip, kCaptureDeadline, why_silent, on_stack)
                         : Result<std::vector<CapturedStack>>(signal.error());

  std::vector<ThreadStack> out;
  out.reserve(tids.size());
  for (std::size_t i = 0; i < tids.size(); ++i) {
    CapturedStack* stack = captured ? &(*captured)[i] : nullptr;
    if (stack != nullptr && stack->missing.kind == NoStack::kExited) continue;
    bool has_stack = stack != nullptr && !stack->pcs.empty();
    ThreadInfo info;
    info.tid = tids[i];
    if (stack != nullptr && stack->state != 0) {
      info.name = stack->name;
      info.state = stack->state;
    } else if (!read_thread_info(tids[i], info) && !has_stack) {
      continue;  // gone since the listing, and nothing to show
    }
    ThreadStack t;
    t.tid = info.tid;
    t.name = std::move(info.name);
    t.state = info.state;
    if (!captured) {
      t.no_stack = captured.message();
    } else if (has_stack) {
      t.pcs = std::move(stack->pcs);
    } else {
      t.no_stack = describe(stack->missing);
      if (t.no_stack.empty() && is_agent_thread(t.tid)) t.no_stack = "gops agent thread";
      if (t.no_stack.empty()) t.no_stack = t.state == 'Z' ? "zombie" : "not captured";
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace gops::agent
