// The pieces of a goroutine dump below the walk (goroutines.cpp): a g as
// read, its stack copy, the unwinder that turns (pc, sp) into physical
// frames, and the traceback rules that turn those into the frames the
// release would print.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <span>
#include <string>
#include <vector>

#include "goruntime/go_process.hpp"
#include "stackdump/stack_dump.hpp"

namespace gops::goruntime {

// What the frames at one PC look like whatever goroutine is there: its
// inlined frames and the outer one (names, file:line, offset), and how to
// read its arguments. Filled as PCs are seen; a thousand goroutines parked
// in the same place are looked up once.
struct FrameShape;
struct TracebackCache {
  TracebackCache();
  ~TracebackCache();
  std::unordered_map<std::uint64_t, std::unique_ptr<FrameShape>> shapes;  // by PC and lookup rule
  std::unordered_map<std::uint64_t, std::optional<stackdump::CreatedBy>> created_by;  // by gopc and `all`
};

// The fields of a runtime.g that gops uses.
struct GRecord {
  std::uint64_t address = 0;
  std::uint64_t stack_lo = 0, stack_hi = 0, m = 0;
  std::uint64_t sched_sp = 0, sched_pc = 0, sched_bp = 0;
  std::uint64_t syscallsp = 0, syscallpc = 0;
  std::uint32_t atomicstatus = 0;
  std::uint64_t goid = 0;
  std::int64_t waitsince = 0;
  std::uint8_t waitreason = 0, tracking_seq = 0;
  std::uint64_t lockedm = 0, parent_goid = 0, gopc = 0, startpc = 0;

  std::uint32_t status() const { return atomicstatus & ~kGscan; }
  // The fields that change when the goroutine runs.
  bool same_state(const GRecord& o) const {
    return atomicstatus == o.atomicstatus && sched_sp == o.sched_sp && sched_pc == o.sched_pc &&
           syscallsp == o.syscallsp && syscallpc == o.syscallpc && tracking_seq == o.tracking_seq &&
           stack_lo == o.stack_lo && stack_hi == o.stack_hi && goid == o.goid && waitreason == o.waitreason;
  }
};

GRecord parse_g(std::span<const std::uint8_t> bytes, const GLayout& layout, std::uint64_t address);

// A copy of [base, base + size) of a goroutine's stack (the bytes belong
// to the process's arena).
struct StackCopy {
  std::uint64_t base = 0;
  const std::uint8_t* bytes = nullptr;
  std::uint64_t size = 0;
  bool covers(std::uint64_t addr, std::uint64_t n) const {
    return addr >= base && addr - base <= size && size - (addr - base) >= n;
  }
  std::optional<std::uint64_t> word(std::uint64_t addr) const;
};

struct Start {
  std::uint64_t pc = 0, sp = 0;
  bool trap = false;     // from registers: the first PC is not a return address
  bool syscall = false;  // from g.syscallpc/syscallsp
};

struct PhysicalFrame {
  std::uint64_t pc = 0, sp = 0, fp = 0;
  Func func;
};

struct Unwound {
  std::vector<PhysicalFrame> frames;
  bool trap = false;    // the first frame's PC came from registers
  std::string stopped;  // why unwinding stopped early, if it did
  std::optional<std::uint64_t> needs_stack_to;  // the copy ended first: read up to here and retry
};

Unwound unwind(const GoProcess& process, const Start& start, const StackCopy& stack, std::uint64_t stack_hi);

// Whether the runtime hides this goroutine from dumps (isSystemGoroutine).
bool is_system_goroutine(const GoProcess& process, const GRecord& g);

// The header line's fields of g, its frames and "created by", as the
// release prints them (all: as GOTRACEBACK=system shows them).
stackdump::Goroutine describe(const GoProcess& process, const GRecord& g, const Unwound& unwound,
                              const StackCopy& stack, bool all, std::int64_t now_ns);

// The "created by" part alone (goroutines shown without frames).
std::optional<stackdump::CreatedBy> created_by(const GoProcess& process, const GRecord& g, bool all);

}  // namespace gops::goruntime
