// The stopped part of an agentless native stack dump: every thread of the
// process stopped at once (attach/freeze.hpp), its registers read, a
// window of its stack copied with process_vm_readv, and the process let go.
// Nothing is unwound or looked up while the target is stopped: that is
// done afterwards from the copies (unwind.hpp), so the pause is the time
// to stop the threads and copy their windows, and nothing else.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "attach/freeze.hpp"
#include "common/result.hpp"

namespace gops::nativestack {

// Memory for the copies, the part they are expected to use made present
// before the stop (no page fault of theirs lands in the pause), in huge
// pages where it can.
class CopyArena {
 public:
  CopyArena() = default;
  // `size` bytes, of which the first `present` are touched now.
  CopyArena(std::size_t size, std::size_t present);
  ~CopyArena();
  CopyArena(CopyArena&& other) noexcept;
  CopyArena& operator=(CopyArena&& other) noexcept;
  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  std::uint8_t* mapped_ = nullptr;  // the mapping, kHugePage more than size_ to align data_
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

struct ThreadCapture {
  pid_t tid = 0;
  std::string name;             // comm, as /proc shows it
  char state = '?';             // /proc's letter before the stop (or, when not stopped, since)
  attach::ThreadStop stop = attach::ThreadStop::kNotStopped;
  attach::Registers regs;       // when stopped
  // The stack from the stack pointer up, as it was while stopped (at most
  // the window; less where the mapping ends).
  // (The bytes live in the Capture's arena.)
  std::uint64_t stack_addr = 0;
  std::span<const std::uint8_t> stack;
};

struct Capture {
  pid_t pid = 0;
  // A thread that was stopped, through which the process's memory is read
  // (process_vm_readv takes any thread id; a main thread that has exited
  // has no memory to read).
  pid_t reader = 0;
  std::vector<ThreadCapture> threads;  // by thread id
  std::chrono::nanoseconds paused{0};  // first interrupt to last detach
  // The copied stacks, which the threads' spans point into.
  CopyArena arena;
  std::vector<std::vector<std::uint8_t>> overflow;  // threads beyond the arena's estimate
};

struct CaptureOptions {
  // Bytes of each stack copied from the stack pointer up. Deeper frames
  // are read from the running process afterwards (and said so).
  std::size_t stack_window = 32 * 1024;
  attach::FreezeOptions freeze;
};

// Stops, copies and lets go of every thread of `pid`. Errors: those of
// Freeze::stop (gone, not ours, already traced, "interrupted").
Result<Capture> capture_threads(pid_t pid, const CaptureOptions& options = {});

}  // namespace gops::nativestack
