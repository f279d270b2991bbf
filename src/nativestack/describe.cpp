#include "nativestack/describe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <unordered_map>

#include "common/task_state.hpp"

namespace gops::nativestack {
namespace {

using stackdump::Frame;

// The frames one captured address stands for.
std::vector<Frame> frames_at(symbolize::ProcessSymbolizer& symbols, const UnwoundFrame& at) {
  // A return address points after the call: look up the call itself.
  std::uint64_t lookup = at.is_return_address ? at.pc - 1 : at.pc;
  std::uint64_t back = at.is_return_address ? 1 : 0;
  symbolize::ModuleLocation where = symbols.module_location(lookup);
  const std::vector<symbolize::SourceFrame>& source = symbols.source_frames(lookup);
  std::vector<Frame> out;
  if (!source.empty() && !source.back().file.empty()) {
    for (std::size_t i = 0; i < source.size(); ++i) {
      Frame f;
      f.function = source[i].function.empty() ? "??" : source[i].function;
      f.file = source[i].file;
      f.line = source[i].line;
      f.pc = at.pc;
      f.inlined = i + 1 < source.size();
      if (!f.inlined) f.offset = where.symbol_offset + back;
      out.push_back(std::move(f));
    }
    return out;
  }
  Frame f;
  f.function = where.symbol.empty() ? "??" : where.symbol;
  f.pc = at.pc;
  if (!where.module.empty()) {
    f.module = where.module;
    f.module_offset = where.module_offset + back;
  }
  out.push_back(std::move(f));
  return out;
}

// The kernel's wait channel of a thread, "" if none or unreadable.
std::string wchan(pid_t pid, pid_t tid) {
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/wchan";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return {};
  std::string w(buf, static_cast<std::size_t>(n));
  return w == "0" ? std::string{} : w;
}

std::string why_not_stopped(const ThreadCapture& t) {
  switch (t.stop) {
    case attach::ThreadStop::kZombie: return "zombie";
    case attach::ThreadStop::kUninterruptible: return "in uninterruptible sleep, could not be stopped";
    default: return "could not be stopped";
  }
}

}  // namespace

stackdump::StackDump describe_threads(const Capture& capture, const std::vector<UnwoundThread>& walks,
                                      symbolize::ProcessSymbolizer& symbols) {
  stackdump::StackDump dump;
  // Threads share most of their frames: each address is described once.
  std::unordered_map<std::uint64_t, std::vector<Frame>> described;
  std::size_t not_stopped = 0, live = 0;
  for (std::size_t i = 0; i < capture.threads.size(); ++i) {
    const ThreadCapture& t = capture.threads[i];
    stackdump::Thread out;
    out.tid = t.tid;
    out.name = t.name;
    out.state = describe_task_state(t.state);
    if (t.stop != attach::ThreadStop::kStopped) {
      ++not_stopped;
      if (t.state != 'R') {
        if (std::string w = wchan(capture.pid, t.tid); !w.empty()) out.state += ", in " + w;
      }
      out.notes.push_back("(no stack: " + why_not_stopped(t) + ")");
      dump.threads.push_back(std::move(out));
      continue;
    }
    const UnwoundThread& walk = walks[i];
    for (const UnwoundFrame& at : walk.frames) {
      std::uint64_t key = at.pc << 1 | (at.is_return_address ? 1 : 0);
      auto hit = described.find(key);
      if (hit == described.end()) hit = described.emplace(key, frames_at(symbols, at)).first;
      out.frames.insert(out.frames.end(), hit->second.begin(), hit->second.end());
    }
    if (walk.truncated) out.notes.push_back("(stack cut at " + std::to_string(kMaxFrames) + " frames)");
    if (walk.live_reads) ++live;
    dump.threads.push_back(std::move(out));
  }
  if (not_stopped)
    dump.notes.push_back(std::to_string(not_stopped) + (not_stopped == 1 ? " thread" : " threads") +
                         " could not be stopped (zombie or uninterruptible sleep)");
  if (live)
    dump.notes.push_back(std::to_string(live) + (live == 1 ? " thread's" : " threads'") +
                         " outer frames were read after the process resumed (deeper than the copied window)");
  dump.paused_ms = std::chrono::duration<double, std::milli>(capture.paused).count();
  return dump;
}

}  // namespace gops::nativestack
