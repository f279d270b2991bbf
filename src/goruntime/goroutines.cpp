#include "goruntime/goroutines.hpp"

#include <time.h>

#include <algorithm>
#include <map>

#include "attach/proc_task.hpp"
#include "goruntime/arena.hpp"
#include "goruntime/traceback.hpp"

namespace gops::goruntime {

struct GoroutineCapture {
  GRecord g;
  std::optional<Start> start;  // none: nothing to unwind (notes say why)
  StackCopy stack;
  std::vector<std::string> notes;
  std::optional<std::uint64_t> thread;
  bool stale = false;
  bool changing = false;
  bool exited = false;  // gone while being read: not shown
};

Capture::Capture(Arena& arena) : goroutines(ArenaAllocator<GoroutineCapture>(arena)) {}
Capture::~Capture() = default;
Capture::Capture(Capture&&) noexcept = default;
Capture& Capture::operator=(Capture&&) noexcept = default;

namespace {

// A goroutine's stack is copied from its SP to the top of its stack (the
// part in use), up to this much.
constexpr std::uint64_t kMaxStackCopy = 64 * 1024 * 1024;
constexpr std::uint64_t kMaxStack = std::uint64_t{1} << 30;  // runtime.maxstacksize on 64-bit
constexpr std::uint64_t kMaxGoroutines = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxGoid = std::uint64_t{1} << 48;

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// allgs: the slice header, then its elements.
Result<std::vector<std::uint64_t>> read_allgs(const GoProcess& p) {
  auto addr = p.vars().allgs();
  if (!addr) return addr.error();
  std::uint64_t hdr[3];
  if (auto s = p.memory().read(*addr, {reinterpret_cast<std::uint8_t*>(hdr), sizeof hdr}); !s) return s.error();
  std::uint64_t ptr = hdr[0], len = std::min(hdr[1], hdr[2]);
  if (len > kMaxGoroutines) return Error{"runtime.allgs is implausibly long (" + std::to_string(len) + ")"};
  std::vector<std::uint64_t> gs(len);
  if (len == 0) return gs;
  if (auto s = p.memory().read(ptr, {reinterpret_cast<std::uint8_t*>(gs.data()), gs.size() * 8}); !s) return s.error();
  return gs;
}

// Batched reads of g records, through one buffer kept for all of a
// dump's reads (fresh pages cost a fault each), each parsed when asked for.
class GReader {
 public:
  GReader(const GoProcess& p, Arena& arena) : p_(p), arena_(arena) {}

  // Reads the gs at `addrs`; `prefix`: only the fields that change when a
  // goroutine runs (a re-read). Replaces what the last read read.
  Status read(std::span<const std::uint64_t> addrs, bool prefix = false) {
    const GLayout& L = p_.layout().g;
    size_ = static_cast<std::size_t>(prefix ? L.state_size() : L.read_size());
    if (addrs.size() * size_ > capacity_) {
      buffer_ = arena_.allocate(addrs.size() * size_);
      capacity_ = addrs.size() * size_;
    }
    pieces_.clear();
    for (std::size_t i = 0; i < addrs.size(); ++i) pieces_.push_back({addrs[i], buffer_ + i * size_, size_});
    return p_.memory().read_batch(pieces_);
  }

  std::size_t size() const { return pieces_.size(); }
  // The i-th g of the last read; nullopt if it could not be read.
  std::optional<GRecord> record(std::size_t i) const {
    if (!pieces_[i].ok) return std::nullopt;
    return parse_g({pieces_[i].out, size_}, p_.layout().g, pieces_[i].addr);
  }

 private:
  const GoProcess& p_;
  Arena& arena_;
  std::uint8_t* buffer_ = nullptr;
  std::size_t capacity_ = 0, size_ = 0;
  std::vector<attach::ReadPiece> pieces_;
};

bool gone(const GRecord& g) {
  std::uint32_t s = g.status();
  return s == kGdead || s == kGdeadextra || s == kGidle;
}

bool valid(const GoProcess& p, const GRecord& g) {
  if (g.goid == 0 || g.goid >= kMaxGoid) return false;
  if (g.stack_lo >= g.stack_hi || g.stack_hi - g.stack_lo > kMaxStack || (g.stack_lo & 7) != 0) return false;
  if (g.status() > kGdeadextra) return false;
  if (g.startpc != 0 && !p.table().in_text(g.startpc)) return false;
  if (g.gopc != 0 && !p.table().in_text(g.gopc)) return false;
  return true;
}

// Where a goroutine's frames start, if it has a saved state: the system
// call it is in, else its last switch.
std::optional<Start> saved_start(const GRecord& g) {
  if (g.syscallsp != 0) return Start{g.syscallpc, g.syscallsp, false, true};
  if (g.sched_sp != 0) return Start{g.sched_pc, g.sched_sp, false, false};
  return std::nullopt;
}

bool start_in_bounds(const GoProcess& p, const GRecord& g, const Start& s) {
  return s.sp >= g.stack_lo && s.sp <= g.stack_hi && p.table().in_text(s.pc);
}

// The threads running goroutines are on (g.m.procid), for their registers.
std::map<std::uint64_t, pid_t> threads_of(const GoProcess& p, const GReader& records) {
  std::map<std::uint64_t, pid_t> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto r = records.record(i);
    if (!r || r->status() != kGrunning || r->m == 0 || out.count(r->m)) continue;
    auto tid = attach::read_value<std::uint64_t>(p.memory(), r->m + static_cast<std::uint64_t>(p.layout().m_procid));
    if (tid && *tid > 0 && *tid < (1u << 31)) out[r->m] = static_cast<pid_t>(*tid);
  }
  return out;
}

// Decides where g's frames start; false when it has none (notes say why).
bool choose_start(const GoProcess& p, GoroutineCapture& c, const DumpOptions& o,
                  const std::map<std::uint64_t, pid_t>& threads) {
  const GRecord& g = c.g;
  c.start.reset();
  c.stale = false;
  c.notes.clear();
  if (g.status() != kGrunning || g.syscallsp != 0) {
    c.start = saved_start(g);
    return c.start.has_value();
  }
  if (o.freeze) {
    if (auto it = threads.find(g.m); it != threads.end()) {
      c.thread = static_cast<std::uint64_t>(it->second);
      const attach::FrozenThread* t = o.freeze->find(it->second);
      if (t && t->stop == attach::ThreadStop::kStopped) {
        Start regs{t->regs.pc, t->regs.sp, true, false};
        if (start_in_bounds(p, g, regs)) c.start = regs;
      }
    }
  }
  if (!c.start && g.sched_sp != 0) {
    // On the system stack or in the scheduler: its own stack is as it was
    // left. Without a freeze, that may be long ago.
    c.start = saved_start(g);
    if (!o.freeze) {
      c.stale = true;
      c.notes.push_back("(running on a CPU: frames as of its last switch, which may be out of date; --freeze shows it now)");
    }
  }
  if (!c.start)
    c.notes.push_back(o.freeze ? "goroutine running on a CPU in code gops cannot unwind; stack unavailable"
                               : "goroutine running on a CPU; stack unavailable without --freeze");
  return c.start.has_value();
}

}  // namespace

Status prepare_capture(const GoProcess& p) {
  auto addrs = read_allgs(p);
  if (!addrs) return addrs.error();
  GReader records(p, p.arena());
  if (auto s = records.read(*addrs); !s) return s.error();
  for (std::size_t i = 0; i < records.size(); ++i)
    if (auto r = records.record(i); r && !gone(*r) && valid(p, *r)) {
      is_system_goroutine(p, *r);
      p.find(r->gopc);
    }
  // The capture's memory (a g record, a capture and a stack copy a
  // goroutine, most stacks using less than a KiB), faulted in now.
  p.arena().reserve(addrs->size() * (static_cast<std::size_t>(p.layout().g.read_size()) +
                                     sizeof(GoroutineCapture) + 1024));
  return Ok{};
}

Result<Capture> capture_goroutines(const GoProcess& p, const DumpOptions& options) {
  Capture cap(p.arena());
  auto addrs = read_allgs(p);
  if (!addrs) return addrs.error();
  GReader reader(p, p.arena());
  if (auto s = reader.read(*addrs); !s) return s.error();
  auto threads = options.freeze ? threads_of(p, reader) : std::map<std::uint64_t, pid_t>{};

  std::vector<std::size_t> to_read;  // captures whose stacks are to be copied
  cap.goroutines.reserve(reader.size());
  to_read.reserve(reader.size());
  for (std::size_t i = 0; i < reader.size(); ++i) {
    auto r = reader.record(i);
    if (!r) {
      ++cap.invalid;
      continue;
    }
    if (gone(*r)) continue;
    if (!valid(p, *r)) {
      ++cap.invalid;
      continue;
    }
    if (!options.all && is_system_goroutine(p, *r)) continue;
    GoroutineCapture c;
    c.g = *r;
    bool has_start = choose_start(p, c, options, threads);
    if (has_start && !start_in_bounds(p, c.g, *c.start)) {
      ++cap.invalid;
      continue;
    }
    cap.goroutines.push_back(std::move(c));
    if (has_start) to_read.push_back(cap.goroutines.size() - 1);
  }

  // Copy the stacks, then read the gs again: one that moved meanwhile is
  // read anew (a frozen target does not move).
  std::vector<attach::ReadPiece> pieces;
  std::vector<std::uint64_t> again;
  std::vector<std::size_t> changed, retry;
  for (int attempt = 0; !to_read.empty(); ++attempt) {
    // One block for all the copies: every page of it is used.
    std::uint64_t total = 0;
    for (std::size_t i : to_read) {
      GoroutineCapture& c = cap.goroutines[i];
      std::uint64_t end = std::min(c.g.stack_hi, c.start->sp + kMaxStackCopy);
      c.stack.base = c.start->sp;
      c.stack.size = end - c.start->sp;
      total += (c.stack.size + 15) & ~std::uint64_t{15};
    }
    std::uint8_t* copy = p.arena().allocate(total);
    pieces.clear();
    for (std::size_t i : to_read) {
      GoroutineCapture& c = cap.goroutines[i];
      c.stack.bytes = copy;
      pieces.push_back({c.stack.base, copy, c.stack.size});
      copy += (c.stack.size + 15) & ~std::uint64_t{15};
    }
    if (auto s = p.memory().read_batch(pieces); !s) return s.error();
    if (options.freeze) break;
    again.clear();
    for (std::size_t i : to_read) again.push_back(cap.goroutines[i].g.address);
    if (auto s = reader.read(again, true); !s) return s.error();
    changed.clear();
    for (std::size_t k = 0; k < to_read.size(); ++k) {
      auto now = reader.record(k);
      if (!now || !now->same_state(cap.goroutines[to_read[k]].g) || !pieces[k].ok) changed.push_back(to_read[k]);
    }
    // Those that changed are read again, all of each g.
    again.clear();
    for (std::size_t i : changed) again.push_back(cap.goroutines[i].g.address);
    if (auto s = reader.read(again); !s) return s.error();
    retry.clear();
    for (std::size_t k = 0; k < changed.size(); ++k) {
      GoroutineCapture& c = cap.goroutines[changed[k]];
      auto now = reader.record(k);
      // It ran: take its new state, unless it is gone or keeps moving.
      if (!now || gone(*now) || !valid(p, *now)) {
        c.exited = true;
        continue;
      }
      c.g = *now;
      if (attempt + 1 > options.retries || !choose_start(p, c, options, threads) || !start_in_bounds(p, c.g, *c.start)) {
        c.start.reset();
        c.stack = {};
        c.changing = true;
        c.notes.push_back("(its stack changed while gops read it: frames not shown)");
        continue;
      }
      retry.push_back(changed[k]);
    }
    std::swap(to_read, retry);
  }
  // Goroutines that exited while read are not shown.
  std::erase_if(cap.goroutines, [](const GoroutineCapture& c) { return c.exited; });
  for (const auto& c : cap.goroutines) cap.changing += c.changing;
  return cap;
}

void describe_each(const GoProcess& p, const Capture& cap, bool all,
                   const std::function<void(stackdump::Goroutine&)>& each) {
  const std::int64_t now = monotonic_ns();
  for (const GoroutineCapture& c : cap.goroutines) {
    Unwound u;
    if (c.start) u = unwind(p, *c.start, c.stack, c.g.stack_hi);
    stackdump::Goroutine g = describe(p, c.g, u, c.stack, all, now);
    if (!c.start) g.frames.clear();
    g.notes.insert(g.notes.begin(), c.notes.begin(), c.notes.end());
    g.thread = c.thread;
    g.stale = c.stale;
    each(g);
  }
}

stackdump::StackDump dump_summary(const Capture& cap) {
  stackdump::StackDump dump;
  dump.invalid = cap.invalid;
  dump.changing = cap.changing;
  return dump;
}

stackdump::StackDump describe_goroutines(const GoProcess& p, const Capture& cap, bool all) {
  stackdump::StackDump dump = dump_summary(cap);
  dump.goroutines.reserve(cap.goroutines.size());
  describe_each(p, cap, all, [&](stackdump::Goroutine& g) { dump.goroutines.push_back(std::move(g)); });
  return dump;
}

Result<RuntimeStats> read_stats(const GoProcess& p) {
  RuntimeStats st;
  auto addrs = read_allgs(p);
  if (!addrs) return addrs.error();
  GReader records(p, p.arena());
  if (auto s = records.read(*addrs); !s) return s.error();
  for (std::size_t i = 0; i < records.size(); ++i)
    if (auto r = records.record(i); r && !gone(*r) && valid(p, *r) && !is_system_goroutine(p, *r)) ++st.goroutines;
  st.threads = attach::list_threads(p.pid()).size();
  auto gmp = p.vars().gomaxprocs();
  if (!gmp) return gmp.error();
  auto ncpu = p.vars().ncpu();
  if (!ncpu) return ncpu.error();
  auto a = attach::read_value<std::int32_t>(p.memory(), *gmp);
  if (!a) return a.error();
  auto b = attach::read_value<std::int32_t>(p.memory(), *ncpu);
  if (!b) return b.error();
  st.gomaxprocs = *a;
  st.ncpu = *b;
  return st;
}

}  // namespace gops::goruntime
