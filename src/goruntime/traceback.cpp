// The traceback rules of src/runtime/traceback.go, per release: which PC
// to look a frame up at, inlined frames from the inline tree, which frames
// and goroutines are hidden (showfuncinfo, isSystemGoroutine), how
// arguments are printed (printArgs), how long stacks are cut, and the
// goroutine header (goroutineheader).
#include "goruntime/traceback.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "goruntime/arch.hpp"

namespace gops::goruntime {
namespace {

constexpr std::size_t kMaxFrames = 100000;  // a runaway unwind stops here

template <class T>
T field(std::span<const std::uint8_t> b, int off) {
  T v{};
  if (off >= 0 && static_cast<std::size_t>(off) + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// isExportedRuntime of traceback.go.
bool is_exported_runtime(std::string_view name) {
  if (!starts_with(name, "runtime.")) return false;
  name.remove_prefix(8);
  std::string_view rcvr;
  auto dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    rcvr = name.substr(0, dot);
    name = name.substr(dot + 1);
    if (rcvr.size() >= 3 && rcvr[0] == '(' && rcvr[1] == '*' && rcvr.back() == ')') rcvr = rcvr.substr(2, rcvr.size() - 3);
  }
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  return !name.empty() && upper(name[0]) && (rcvr.empty() || upper(rcvr[0]));
}

// funcNamePiecesForPrint (1.21+): generic shapes print as "[...]".
std::string name_for_print(std::string_view name) {
  auto i = name.find('[');
  if (i == std::string_view::npos) return std::string(name);
  auto j = name.rfind(']');
  if (j == std::string_view::npos || j <= i) return std::string(name);
  std::string_view interior = name.substr(i + 1, j - i - 1);
  if (interior.find('[') == std::string_view::npos)
    return std::string(name.substr(0, i)) + "[...]" + std::string(name.substr(j + 1));
  int depth = 1;
  long rbr = -1, lbr = -1;
  for (std::size_t k = 0; k < interior.size(); ++k) {
    char c = interior[k];
    if (c == '[') {
      ++depth;
      if (depth != 1) continue;
      lbr = static_cast<long>(k);
      break;
    }
    if (c == ']') {
      --depth;
      if (depth < 0) break;
      if (depth != 0) continue;
      rbr = static_cast<long>(k);
    }
  }
  if (depth == 1) {
    if (rbr >= 0 && lbr > rbr)
      return std::string(name.substr(0, i)) + "[...]" + std::string(interior.substr(rbr + 1, lbr - rbr - 1)) + "[...]" +
             std::string(name.substr(j + 1));
    if (rbr == -1 && lbr == -1) return std::string(name.substr(0, i)) + "[...]" + std::string(name.substr(j + 1));
  }
  return std::string(name);
}

std::string printed_name(const RuntimeLayout& L, std::string_view name) {
  if (name == "runtime.gopanic") return "panic";
  return L.created_by_names_parent ? name_for_print(name) : std::string(name);
}

// 1.16 marks the stack's outermost frames by function ID, later releases
// by the TOPFRAME flag.
bool is_top_frame(const GoProcess& p, const Func& f) {
  if (p.release().minor >= 17) return (f.flag & kFuncFlagTopFrame) != 0;
  std::string_view name = p.table().name(f);
  return name == "runtime.goexit" || name == "runtime.mstart" || name == "runtime.mcall" ||
         name == "runtime.morestack" || name == "runtime.rt0_go" || name == "runtime.externalthreadhandler";
}

struct Callee {
  std::uint8_t func_id = 0;
  std::string_view name;
};

// elideWrapperCalling: a wrapper that called a panic function is shown.
bool elide_wrapper_calling(const Callee& c) {
  return !(c.name == "runtime.gopanic" || c.name == "runtime.sigpanic" || c.name == "runtime.panicwrap");
}

// showfuncinfo at GOTRACEBACK=single/all.
bool show_frame(const GoProcess& p, std::string_view name, std::uint8_t func_id, bool first, const Callee& callee) {
  const RuntimeLayout& L = p.layout();
  if (func_id == L.func_ids.wrapper && elide_wrapper_calling(callee)) return false;
  if (p.release().minor >= 25 && (name == "runtime.runFinalizers" || name == "runtime.runCleanups")) return true;
  if (name == "runtime.gopanic" && !first) return true;
  return name.find('.') != std::string_view::npos && (!starts_with(name, "runtime.") || is_exported_runtime(name));
}

struct Logical {
  std::string_view name;
  std::uint8_t func_id = 0;
  PcLnTab::FileLine where;
  bool inlined = false;
  std::uint64_t pc = 0;
  std::optional<std::uint64_t> offset;
  std::string args;
};

// How printArgs prints one frame's arguments (1.17+): the compiler's
// description (_FUNCDATA_ArgInfo) with each slot's liveness at the PC
// (1.18+: "?" after a value that may be stale), resolved once per PC;
// only the values come from each goroutine's stack.
struct ArgStep {
  enum Kind : std::uint8_t { kValue, kStartAgg, kEndAgg, kDots, kTooLarge } kind;
  std::uint8_t off = 0, size = 0;
  bool live = true;
};

std::vector<ArgStep> arg_plan(const GoProcess& p, const Func& f, std::uint64_t pc) {
  constexpr std::uint8_t kEndSeq = 0xff, kStartAgg = 0xfe, kEndAgg = 0xfd, kDotdotdot = 0xfc, kOffsetTooLarge = 0xfb;
  constexpr std::size_t kMaxLen = (5 * 3 + 2) * 10 + 1;
  std::vector<ArgStep> plan;
  auto info = p.table().funcdata(f, kFuncdataArgInfo);
  if (!info) return plan;
  std::uint8_t prog[kMaxLen];
  std::size_t have = 0;
  // The description may end close to unmapped memory: read what is there.
  for (std::size_t n = kMaxLen; n > 0 && have == 0; n /= 2)
    if (p.reader().read(*info, {prog, n})) have = n;

  const bool liveness = p.release().minor >= 18;
  std::uint64_t live_info = 0;  // 0: none
  if (liveness)
    if (auto li = p.table().funcdata(f, kFuncdataArgLiveInfo)) live_info = *li;
  std::int32_t live_idx = liveness ? p.table().pcdata(f, kPcdataArgLiveIndex, pc).value_or(-1) : -1;
  std::uint8_t start_offset = 0xff;
  if (live_info != 0) start_offset = p.reader().value<std::uint8_t>(live_info).value_or(0xff);
  auto is_live = [&](std::uint8_t off, std::uint8_t slot) {
    if (live_info == 0 || live_idx <= 0) return true;
    if (off < start_offset) return true;
    auto bits = p.reader().value<std::uint8_t>(live_info + static_cast<std::uint64_t>(live_idx) + slot / 8);
    return !bits || (*bits & (1u << (slot % 8))) != 0;
  };
  std::uint8_t slot = 0;
  for (std::size_t pi = 0; pi < have;) {
    std::uint8_t o = prog[pi++];
    if (o == kEndSeq) break;
    if (o == kStartAgg) {
      plan.push_back({ArgStep::kStartAgg});
    } else if (o == kEndAgg) {
      plan.push_back({ArgStep::kEndAgg});
    } else if (o == kDotdotdot) {
      plan.push_back({ArgStep::kDots});
    } else if (o == kOffsetTooLarge) {
      plan.push_back({ArgStep::kTooLarge});
    } else {
      if (pi >= have) break;
      std::uint8_t sz = prog[pi++];
      plan.push_back({ArgStep::kValue, o, sz, !liveness || is_live(o, slot)});
      if (o >= start_offset) ++slot;
    }
  }
  return plan;
}

std::string register_abi_args(const GoProcess& p, const std::vector<ArgStep>& plan, std::uint64_t argp,
                              const StackCopy& stack) {
  std::string out;
  bool start = true;
  auto comma = [&] {
    if (!start) out += ", ";
  };
  for (const ArgStep& step : plan) {
    switch (step.kind) {
      case ArgStep::kStartAgg:
        comma();
        out += "{";
        start = true;
        continue;
      case ArgStep::kEndAgg:
        out += "}";
        break;
      case ArgStep::kDots:
        comma();
        out += "...";
        break;
      case ArgStep::kTooLarge:
        comma();
        out += "_";
        break;
      case ArgStep::kValue: {
        comma();
        std::uint64_t x = 0;
        if (auto w = stack.word(argp + step.off)) {
          x = *w;
        } else if (!p.reader().memory().read(argp + step.off, {reinterpret_cast<std::uint8_t*>(&x), 8}).ok()) {
          x = 0;
        }
        if (step.size < 8) {
          unsigned shift = 64 - step.size * 8u;
          x = x << shift >> shift;
        }
        out += stackdump::go_hex(x);
        if (!step.live) out += "?";
        break;
      }
    }
    start = false;
  }
  return out;
}

// 1.16: the argument words (_func.args bytes), ten at most.
std::string stack_abi_args(const Func& f, std::uint64_t argp, const StackCopy& stack) {
  std::uint64_t words = f.args < 0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(f.args) / 8;
  std::string out;
  for (std::uint64_t i = 0; i < words; ++i) {
    if (i >= 10) {
      out += ", ...";
      break;
    }
    if (i != 0) out += ", ";
    out += stackdump::go_hex(stack.word(argp + 8 * i).value_or(0));
  }
  return out;
}

}  // namespace

// The frames of one PC (inlined ones first), without the arguments.
struct FrameShape {
  std::vector<Logical> frames;
  std::vector<ArgStep> args;  // the outer frame's
  bool injected = false;      // sigpanic & co: the caller's PC is not a return address
};

TracebackCache::TracebackCache() = default;
TracebackCache::~TracebackCache() = default;

namespace {

const FrameShape& frame_shape(const GoProcess& p, const PhysicalFrame& fr, bool back_up) {
  auto& shapes = p.traceback_cache().shapes;
  std::uint64_t key = fr.pc << 1 | (back_up ? 1 : 0);
  if (auto it = shapes.find(key); it != shapes.end()) return *it->second;
  auto shape = std::make_unique<FrameShape>();
  const PcLnTab& t = p.table();
  const Func& f = fr.func;
  const bool sym_pc_args = p.release().minor >= 21;
  std::uint64_t tracepc = back_up ? fr.pc - 1 : fr.pc;
  // The PC the arguments' liveness is looked up at: the call (1.21+:
  // unwinder.symPC), or the outermost inlining call site (before).
  const std::uint64_t sym_pc = tracepc;
  if (auto tree = t.funcdata(f, kFuncdataInlTree)) {
    for (int depth = 0; depth < 1000; ++depth) {
      auto ix = t.pcdata(f, kPcdataInlTreeIndex, tracepc);
      if (!ix || *ix < 0) break;
      auto call = t.inlined_call(*tree, *ix);
      if (!call) break;
      Logical l;
      l.name = t.name_at(call->nameoff);
      l.func_id = call->func_id;
      l.where = t.file_line(f, tracepc);
      l.inlined = true;
      l.pc = fr.pc;
      l.args = "...";
      shape->frames.push_back(l);
      tracepc = f.entry + static_cast<std::uint64_t>(static_cast<std::int64_t>(call->parent_pc));
    }
  }
  Logical l;
  l.name = t.name(f);
  l.func_id = f.func_id;
  l.where = t.file_line(f, tracepc);
  l.pc = fr.pc;
  if (fr.pc > f.entry) l.offset = fr.pc - f.entry;
  shape->frames.push_back(l);
  if (p.layout().register_args) shape->args = arg_plan(p, f, sym_pc_args ? sym_pc : tracepc);
  // 1.21's unwinder also treats the callers of asyncPreempt and
  // debugCallV2 as interrupted, not calling.
  shape->injected = l.name == "runtime.sigpanic" ||
                    (sym_pc_args && (l.name == "runtime.asyncPreempt" || l.name == "runtime.debugCallV2"));
  return *shapes.emplace(key, std::move(shape)).first->second;
}

// The logical frames of the physical ones, innermost first.
std::vector<Logical> logical_frames(const GoProcess& p, const Unwound& u, const StackCopy& stack, bool trap) {
  std::vector<Logical> out;
  out.reserve(u.frames.size() + 4);
  bool waspanic = false;  // the frame below was injected by a signal: this PC is not a return address
  for (std::size_t n = 0; n < u.frames.size(); ++n) {
    const PhysicalFrame& fr = u.frames[n];
    bool back_up = (n > 0 || !trap) && fr.pc > fr.func.entry && !waspanic;
    const FrameShape& shape = frame_shape(p, fr, back_up);
    out.insert(out.end(), shape.frames.begin(), shape.frames.end());
    std::uint64_t argp = fr.fp + arch::min_frame_size();
    out.back().args = p.layout().register_args ? register_abi_args(p, shape.args, argp, stack)
                                               : stack_abi_args(fr.func, argp, stack);
    waspanic = shape.injected;
  }
  return out;
}

// Takes l's arguments: each logical frame is shown once.
stackdump::Frame to_frame(const GoProcess& p, Logical& l) {
  stackdump::Frame f;
  f.function = printed_name(p.layout(), l.name);
  f.args = std::move(l.args);
  f.file = std::string(l.where.file);
  f.line = l.where.line;
  f.pc = l.pc;
  f.offset = l.inlined ? std::nullopt : l.offset;
  f.inlined = l.inlined;
  return f;
}

// The frames shown, with the release's cut of long stacks.
std::vector<stackdump::Frame> shown_frames(const GoProcess& p, std::vector<Logical>& logical, bool all) {
  const RuntimeLayout& L = p.layout();
  auto select = [&](bool show_all) {
    std::vector<Logical*> shown;
    Callee callee;
    std::size_t physical = 0;
    for (Logical& l : logical) {
      // 1.16-1.20 walk at most 100 physical frames.
      if (L.elision == Elision::kMax100 && physical >= 100) break;
      bool first = shown.empty();
      if (show_all || show_frame(p, l.name, l.func_id, first, callee)) shown.push_back(&l);
      callee = {l.func_id, l.name};
      if (!l.inlined) ++physical;
    }
    return shown;
  };
  auto shown = select(all);
  if (shown.empty()) shown = select(true);

  constexpr std::size_t kInner = 50, kOuter = 50;
  std::vector<stackdump::Frame> out;
  out.reserve(std::min(shown.size(), kInner + kOuter) + 1);
  if (L.elision == Elision::kMax100) {
    for (Logical* l : shown) out.push_back(to_frame(p, *l));
    if (shown.size() == 100) {
      stackdump::Frame e;
      e.elision = true;
      out.push_back(e);
    }
    return out;
  }
  if (shown.size() <= kInner + kOuter) {
    for (Logical* l : shown) out.push_back(to_frame(p, *l));
    return out;
  }
  for (std::size_t i = 0; i < kInner; ++i) out.push_back(to_frame(p, *shown[i]));
  stackdump::Frame e;
  e.elision = true;
  e.elided = shown.size() - kInner - kOuter;
  out.push_back(e);
  for (std::size_t i = shown.size() - kOuter; i < shown.size(); ++i) out.push_back(to_frame(p, *shown[i]));
  return out;
}

}  // namespace

GRecord parse_g(std::span<const std::uint8_t> b, const GLayout& L, std::uint64_t address) {
  GRecord g;
  g.address = address;
  g.stack_lo = field<std::uint64_t>(b, L.stack_lo);
  g.stack_hi = field<std::uint64_t>(b, L.stack_hi);
  g.m = field<std::uint64_t>(b, L.m);
  g.sched_sp = field<std::uint64_t>(b, L.sched_sp);
  g.sched_pc = field<std::uint64_t>(b, L.sched_pc);
  g.sched_bp = field<std::uint64_t>(b, L.sched_bp);
  g.syscallsp = field<std::uint64_t>(b, L.syscallsp);
  g.syscallpc = field<std::uint64_t>(b, L.syscallpc);
  g.atomicstatus = field<std::uint32_t>(b, L.atomicstatus);
  g.goid = field<std::uint64_t>(b, L.goid);
  g.waitsince = field<std::int64_t>(b, L.waitsince);
  g.waitreason = field<std::uint8_t>(b, L.waitreason);
  g.tracking_seq = L.tracking_seq >= 0 ? field<std::uint8_t>(b, L.tracking_seq) : 0;
  g.lockedm = field<std::uint64_t>(b, L.lockedm);
  g.parent_goid = L.parent_goid >= 0 ? field<std::uint64_t>(b, L.parent_goid) : 0;
  g.gopc = field<std::uint64_t>(b, L.gopc);
  g.startpc = field<std::uint64_t>(b, L.startpc);
  return g;
}

std::optional<std::uint64_t> StackCopy::word(std::uint64_t addr) const {
  if (!covers(addr, 8)) return std::nullopt;
  std::uint64_t v;
  std::memcpy(&v, bytes + (addr - base), 8);
  return v;
}

Unwound unwind(const GoProcess& p, const Start& start, const StackCopy& stack, std::uint64_t stack_hi) {
  Unwound u;
  u.trap = start.trap;
  u.frames.reserve(16);
  const PcLnTab& t = p.table();
  std::uint64_t pc = start.pc, sp = start.sp;
  for (std::size_t n = 0; n < kMaxFrames; ++n) {
    auto f = t.find(pc);
    if (!f) {
      u.stopped = "unwinding stopped at " + stackdump::go_hex(pc) + ", not in any Go function" +
                  (n == 0 ? "" : " (called from " + std::string(t.name(u.frames.back().func)) + ")");
      return u;
    }
    auto delta = t.sp_delta(*f, pc);
    if (!delta) {
      u.stopped = "no frame size for " + std::string(t.name(*f)) + " at " + stackdump::go_hex(pc);
      return u;
    }
    auto link = arch::caller_link(sp, *delta);
    u.frames.push_back({pc, sp, link.fp, *f});
    if (is_top_frame(p, *f)) return u;
    // A function that writes SP in a way pcsp cannot describe (gogo, a
    // switch to the system stack) ends what can be unwound, as in the
    // runtime's own tracebacks (unless the SP it wrote was saved for a
    // system call, which is where the walk started).
    bool spwrite = p.release().minor >= 17 && (f->flag & kFuncFlagSpWrite) != 0;
    if (spwrite && !(n == 0 && start.syscall) && t.name(*f) != "runtime.cgocallback") return u;
    if (link.fp > stack_hi) {
      u.stopped = "the frame of " + std::string(t.name(*f)) + " ends past the top of its stack";
      return u;
    }
    auto ret = stack.word(link.return_address_slot);
    if (!ret) {
      u.needs_stack_to = link.fp;
      return u;
    }
    if (*ret == pc && link.fp == sp) {
      u.stopped = "unwinding made no progress at " + stackdump::go_hex(pc);
      return u;
    }
    pc = *ret;
    sp = link.fp;
    if (sp >= stack_hi) return u;
  }
  u.stopped = "more than " + std::to_string(kMaxFrames) + " frames";
  return u;
}

bool is_system_goroutine(const GoProcess& p, const GRecord& g) {
  auto f = p.find(g.startpc);
  if (!f) return false;
  std::string_view name = p.table().name(*f);
  if (name == "runtime.main" || name == "runtime.handleAsyncEvent" || name == "runtime.corostart") return false;
  // The finalizer and cleanup goroutines count as user goroutines while
  // they run user code: not while parked waiting for work.
  if (name == "runtime.runfinq" || name == "runtime.runFinalizers" || name == "runtime.runCleanups") {
    if (g.status() != kGwaiting) return false;
    auto reasons = p.layout().wait_reasons;
    std::string_view why = g.waitreason < reasons.size() ? reasons[g.waitreason] : "";
    return why == "finalizer wait" || why == "cleanup wait";
  }
  return starts_with(name, "runtime.");
}

std::optional<stackdump::CreatedBy> created_by(const GoProcess& p, const GRecord& g, bool all) {
  if (g.goid == 1 || g.gopc == 0) return std::nullopt;
  // The same for every goroutine that one go statement started.
  auto& cache = p.traceback_cache().created_by;
  auto it = cache.find(g.gopc << 1 | (all ? 1 : 0));
  if (it == cache.end()) {
    std::optional<stackdump::CreatedBy> c;
    auto f = p.find(g.gopc);
    std::string_view name = f ? p.table().name(*f) : "";
    if (f && (all || show_frame(p, name, f->func_id, false, Callee{}))) {
      c.emplace();
      c->function = p.layout().created_by_names_parent ? printed_name(p.layout(), name) : std::string(name);
      std::uint64_t tracepc = g.gopc > f->entry ? g.gopc - 1 : g.gopc;
      auto where = p.table().file_line(*f, tracepc);
      c->file = std::string(where.file);
      c->line = where.line;
      if (g.gopc > f->entry) c->offset = g.gopc - f->entry;
      c->pc = g.gopc;
    }
    it = cache.emplace(g.gopc << 1 | (all ? 1 : 0), std::move(c)).first;
  }
  std::optional<stackdump::CreatedBy> c = it->second;
  if (c && p.layout().created_by_names_parent && g.parent_goid != 0) c->goroutine = g.parent_goid;
  return c;
}

stackdump::Goroutine describe(const GoProcess& p, const GRecord& g, const Unwound& u, const StackCopy& stack,
                              bool all, std::int64_t now_ns) {
  const RuntimeLayout& L = p.layout();
  const int minor = p.release().minor;
  stackdump::Goroutine out;
  out.id = g.goid;
  std::uint32_t status = g.status();
  std::string text(status_name(minor, status));
  if ((status == kGwaiting || (minor >= 26 && status == kGleaked)) && g.waitreason != 0)
    text = g.waitreason < L.wait_reasons.size() ? std::string(L.wait_reasons[g.waitreason]) : "unknown wait reason";
  if (minor >= 26 && status == kGleaked) text += " (leaked)";
  if (g.atomicstatus & kGscan) text += " (scan)";
  out.status = text;
  if ((status == kGwaiting || status == kGsyscall) && g.waitsince != 0 && now_ns > g.waitsince)
    out.wait_minutes = static_cast<std::uint64_t>((now_ns - g.waitsince) / 60'000'000'000LL);
  out.locked_to_thread = g.lockedm != 0;

  auto logical = logical_frames(p, u, stack, u.trap);
  out.frames = shown_frames(p, logical, all);
  if (!u.stopped.empty()) out.stopped = u.stopped;
  out.created_by = created_by(p, g, all);
  return out;
}

}  // namespace gops::goruntime
