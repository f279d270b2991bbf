#include "common/pid.hpp"
#include "cli/agentless.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "attach/freeze.hpp"
#include "attach/proc_task.hpp"
#include "binfmt/go_info.hpp"
#include "cli/cli.hpp"
#include "cli/huge_heap.hpp"
#include "client/port_lookup.hpp"
#include "goruntime/go_process.hpp"
#include "goruntime/goroutines.hpp"
#include "nativestack/native_stack.hpp"
#include "protocol/port_file.hpp"
#include "stackdump/stack_dump.hpp"
#include "symbolize/inflated_debug_file.hpp"

namespace gops::cli {
namespace {

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Go by its executable, or not ours to look at (the agentless read then
// says why, which is more use than "no port file").
bool go_or_private(pid_t pid) {
  std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  char link[8];
  if (::readlink(exe.c_str(), link, sizeof link) < 0) return errno == EACCES || errno == EPERM;
  return binfmt::read_go_info_file(exe).ok();
}

// Some thread of it runs: a main thread that has exited (a zombie) while
// others run on leaves a live process.
bool any_thread_alive(pid_t pid) {
  for (pid_t tid : attach::list_threads(pid)) {
    auto st = attach::read_task_stat(pid, tid);
    if (st && st->state != 'Z' && st->state != 'X') return true;
  }
  return false;
}

// A kernel thread (kthreadd, kworker/...): PF_KTHREAD in /proc/PID/stat's
// flags (the 9th field). It has no user-space stack to show.
bool kernel_thread(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "re");
  if (f == nullptr) return false;
  char buf[1024];
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return false;
  unsigned long flags = 0;
  if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1) return false;
  constexpr unsigned long kPfKthread = 0x00200000;
  return (flags & kPfKthread) != 0;
}

// Running, not a zombie.
bool alive(pid_t pid) {
  auto st = attach::read_process_status(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

// The error of a read that failed: whatever it was, if the target is gone
// now, that is the reason.
int fail_reading(pid_t pid, const std::string& message) {
  if (!alive(pid)) return fail("process " + std::to_string(pid) + " exited while gops was reading it");
  return fail(message);
}

Result<std::unique_ptr<goruntime::GoProcess>> open(pid_t pid) {
  if (!alive(pid)) return Error{"no process with PID " + std::to_string(pid)};
  auto p = goruntime::GoProcess::open(pid);
  if (!p && !alive(pid)) return Error{"process " + std::to_string(pid) + " exited while gops was reading it"};
  return p;
}

}  // namespace

Result<std::optional<pid_t>> agentless_target(const std::string& target, bool forced, bool any_process) {
  auto pid = parse_pid(target);
  if (!pid) {
    if (forced)
      return Error{"reading memory (--agentless, --all, --freeze, --threads) needs a local PID, not \"" +
                   target.substr(0, 64) + "\""};
    return std::optional<pid_t>{};
  }
  if (forced) return pid;
  if (client::has_port_file(*pid, protocol::process_env())) return std::optional<pid_t>{};
  if (!any_process && !go_or_private(*pid)) return std::optional<pid_t>{};
  return pid;
}

namespace {

// Every thread of a process, stopped briefly and unwound from copies.
int native_stack(pid_t pid, const AgentlessOptions& options) {
  if (!alive(pid) && !any_thread_alive(pid)) return fail("no process with PID " + std::to_string(pid));
  if (kernel_thread(pid))
    return fail("process " + std::to_string(pid) + " is a kernel thread: it has no user-space stack to show");
  grow_heap_in_huge_pages(32u << 20);
  symbolize::use_cli_inflation();
  auto dump = nativestack::dump_native_stacks(pid);
  if (!dump) return any_thread_alive(pid) ? fail(dump.message()) : fail_reading(pid, dump.message());
  print(options.json ? stackdump::to_json(*dump) : stackdump::format_native(*dump));
  return 0;
}

}  // namespace

namespace {

// A Go dump as text, printed as each goroutine is described: the memory
// is one goroutine's and a buffer's, not the whole dump's.
void print_go_text(const goruntime::GoProcess& process, const goruntime::Capture& capture, bool all,
                   const stackdump::StackDump& summary) {
  constexpr std::size_t kFlushAt = 60 * 1024;
  std::string out;
  out.reserve(kFlushAt + 4096);
  bool first = true;
  goruntime::describe_each(process, capture, all, [&](const stackdump::Goroutine& g) {
    if (!first) out += '\n';
    first = false;
    stackdump::append_go_goroutine(out, g);
    if (out.size() >= kFlushAt) {
      print(out);
      out.clear();
    }
  });
  std::string tail = stackdump::go_dump_tail(summary);
  if (!tail.empty()) out += (first ? "" : "\n") + tail;
  print(out);
}

// The goroutines, read with every thread stopped: everything but the
// goroutines themselves is looked up before the stop; their copies are
// unwound and formatted after it runs again. The summary says for how long.
Result<goruntime::Capture> capture_frozen(pid_t pid, const goruntime::GoProcess& process,
                                          goruntime::DumpOptions options, stackdump::StackDump& summary) {
  if (auto s = goruntime::prepare_capture(process); !s) return s.error();
  auto freeze = attach::Freeze::stop(pid);
  if (!freeze) return freeze.error();
  options.freeze = freeze->get();
  auto capture = goruntime::capture_goroutines(process, options);
  auto paused = (*freeze)->thaw();
  std::size_t not_stopped = 0;
  for (const auto& t : (*freeze)->threads())
    not_stopped += t.stop != attach::ThreadStop::kStopped && t.stop != attach::ThreadStop::kExited;
  freeze->reset();  // a SIGINT/SIGTERM that came meanwhile ends gops here
  if (!capture) return capture.error();
  summary = goruntime::dump_summary(*capture);
  summary.paused_ms = std::chrono::duration<double, std::milli>(paused).count();
  if (not_stopped)
    summary.notes.push_back(std::to_string(not_stopped) + (not_stopped == 1 ? " thread" : " threads") +
                            " could not be stopped (zombie or uninterruptible sleep)");
  return capture;
}

}  // namespace

int agentless_stack(pid_t pid, const AgentlessOptions& options) {
  if (options.threads || !go_or_private(pid)) return native_stack(pid, options);
  auto process = open(pid);
  if (!process) return fail(process.message());
  goruntime::DumpOptions dump_options;
  dump_options.all = options.all;
  stackdump::StackDump summary;
  auto capture = options.freeze ? capture_frozen(pid, **process, dump_options, summary)
                                : goruntime::capture_goroutines(**process, dump_options);
  if (!capture) return fail_reading(pid, capture.message());
  if (!options.freeze) summary = goruntime::dump_summary(*capture);
  if (options.json) {
    stackdump::StackDump dump = goruntime::describe_goroutines(**process, *capture, options.all);
    dump.paused_ms = summary.paused_ms;
    dump.notes = std::move(summary.notes);
    print(stackdump::to_json(dump));
    return 0;
  }
  print_go_text(**process, *capture, options.all, summary);
  return 0;
}

int agentless_stats(pid_t pid) {
  auto process = open(pid);
  if (!process) return fail(process.message());
  auto st = goruntime::read_stats(**process);
  if (!st) return fail_reading(pid, st.message());
  print("goroutines: " + std::to_string(st->goroutines) + "\nOS threads: " + std::to_string(st->threads) +
        "\nGOMAXPROCS: " + std::to_string(st->gomaxprocs) + "\nnum CPU: " + std::to_string(st->ncpu) + "\n");
  return 0;
}

int agentless_version(pid_t pid) {
  auto process = open(pid);
  if (!process) return fail(process.message());
  print((*process)->release().text + "\n");
  return 0;
}

int agentless_memstats(pid_t pid) {
  auto process = open(pid);
  if (!process) return fail(process.message());
  return fail("memstats of " + (*process)->release().text +
              " needs an agent: runtime.ReadMemStats sums per-P and per-span counters that gops does not read "
              "without one");
}

std::string stack_reply_json(const std::string& reply) { return stackdump::to_json(stackdump::parse_any(reply)); }

}  // namespace gops::cli
