#include "nativestack/capture.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "attach/proc_task.hpp"

namespace gops::nativestack {
namespace {

// Each thread's window in one process_vm_readv: a short count means the
// stack mapping ends inside the window, which is expected at its top.
std::size_t copy_window(pid_t pid, std::uint64_t addr, std::uint8_t* out, std::size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), size};
  for (;;) {
    ssize_t got = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return 0;
  }
}

}  // namespace

Result<Capture> capture_threads(pid_t pid, const CaptureOptions& options) {
  // Names and states first, while everything runs: during the stop each
  // thread would say "t (tracing stop)".
  std::unordered_map<pid_t, attach::TaskStat> before;
  std::vector<pid_t> tids = attach::list_threads(pid);
  before.reserve(tids.size());
  for (pid_t tid : tids)
    if (auto st = attach::read_task_stat(pid, tid)) before.emplace(tid, std::move(*st));
  // The copies' memory, touched now so that no page fault of ours lands in
  // the pause; a few spare windows for threads started meanwhile.
  std::size_t expected = tids.size() + tids.size() / 8 + 4;
  std::vector<std::uint8_t> arena(expected * options.stack_window, 0);

  auto freeze = attach::Freeze::stop(pid, options.freeze);
  if (!freeze) return freeze.error();
  const std::vector<attach::FrozenThread>& stopped = (*freeze)->threads();
  std::vector<std::size_t> copied(stopped.size(), 0);
  std::vector<std::vector<std::uint8_t>> extra(stopped.size());
  std::size_t used = 0;
  for (std::size_t i = 0; i < stopped.size(); ++i) {
    const attach::FrozenThread& t = stopped[i];
    if (t.stop != attach::ThreadStop::kStopped || t.regs.sp == 0) continue;
    std::uint8_t* out;
    if (used < expected) {
      out = arena.data() + used++ * options.stack_window;
    } else {
      extra[i].resize(options.stack_window);
      out = extra[i].data();
    }
    copied[i] = copy_window(pid, t.regs.sp, out, options.stack_window);
    if ((*freeze)->interrupted()) break;  // ^C: let go now, the dump is not wanted
  }
  Capture capture;
  capture.pid = pid;
  capture.paused = (*freeze)->thaw();
  const std::vector<attach::FrozenThread> frozen = stopped;  // outlives the Freeze
  bool interrupted = (*freeze)->interrupted();
  freeze->reset();  // a SIGINT/SIGTERM that came meanwhile ends gops here
  if (interrupted) return Error{"interrupted"};

  used = 0;
  capture.threads.reserve(frozen.size());
  for (std::size_t i = 0; i < frozen.size(); ++i) {
    const attach::FrozenThread& t = frozen[i];
    if (t.stop == attach::ThreadStop::kExited) continue;
    ThreadCapture c;
    c.tid = t.tid;
    c.stop = t.stop;
    c.regs = t.regs;
    if (auto it = before.find(t.tid); it != before.end()) {
      c.name = std::move(it->second.name);
      c.state = it->second.state;
    } else if (auto st = attach::read_task_stat(pid, t.tid)) {  // started during the stop
      c.name = std::move(st->name);
      c.state = st->state;
    }
    if (t.stop != attach::ThreadStop::kStopped) c.state = t.proc_state;
    if (t.stop == attach::ThreadStop::kStopped && t.regs.sp != 0) {
      const std::uint8_t* from =
          used < expected ? arena.data() + used++ * options.stack_window : extra[i].data();
      c.stack_addr = t.regs.sp;
      c.stack = {from, copied[i]};
    }
    capture.threads.push_back(std::move(c));
  }
  capture.arena = std::move(arena);  // the spans stay valid: the buffers move, not their bytes
  for (auto& e : extra)
    if (!e.empty()) capture.overflow.push_back(std::move(e));
  std::sort(capture.threads.begin(), capture.threads.end(),
            [](const ThreadCapture& a, const ThreadCapture& b) { return a.tid < b.tid; });
  return capture;
}

}  // namespace gops::nativestack
