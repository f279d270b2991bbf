// Our C++ agent's thread dump text (src/agent/stack.cpp), parsed:
//
//   thread 28188 "hello" [S (sleeping)]:
//   pause
//   	../sysdeps/unix/sysv/linux/pause.c:29 +0x32
//   hello::helper()
//   	/src/main.cpp:12 (inlined)
//   ??
//   	/lib/x86_64-linux-gnu/libc.so.6+0x2724a
//   	(no stack: zombie)
//
// with a blank line after each thread.
#include <cstdio>
#include <cstdlib>

#include "common/text.hpp"

#include "stackdump/stack_dump.hpp"

namespace gops::stackdump {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  if (!starts_with(s, "0x") || s.size() < 3) return std::nullopt;
  std::string copy(s.substr(2));
  char* end = nullptr;
  unsigned long long v = std::strtoull(copy.c_str(), &end, 16);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

// The location line of a frame: "file:line +0xoff", "file:line (inlined)",
// or "module+0xoff" / "0xaddr".
void parse_location(std::string_view loc, Frame& f) {
  if (auto in = loc.rfind(" (inlined)"); in != std::string_view::npos && in + 10 == loc.size()) {
    f.inlined = true;
    loc = loc.substr(0, in);
  } else if (auto plus = loc.rfind(" +0x"); plus != std::string_view::npos) {
    f.offset = parse_hex(loc.substr(plus + 2));
    loc = loc.substr(0, plus);
  } else if (auto mod = loc.rfind("+0x"); mod != std::string_view::npos) {
    f.module = std::string(loc.substr(0, mod));
    f.module_offset = parse_hex(loc.substr(mod + 1));
    return;
  } else if (auto addr = parse_hex(loc)) {
    f.pc = addr;
    return;
  }
  auto colon = loc.rfind(':');
  if (colon != std::string_view::npos) {
    std::string digits(loc.substr(colon + 1));
    char* end = nullptr;
    long n = std::strtol(digits.c_str(), &end, 10);
    if (!digits.empty() && end == digits.c_str() + digits.size()) {
      f.file = std::string(loc.substr(0, colon));
      f.line = static_cast<int>(n);
      return;
    }
  }
  f.file = std::string(loc);
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string location(const Frame& f) {
  if (!f.file.empty()) {
    std::string out = f.file + ":" + std::to_string(f.line);
    if (f.inlined) return out + " (inlined)";
    if (f.offset) return out + " +" + hex(*f.offset);
    return out;
  }
  if (!f.module.empty()) return f.module + "+" + hex(f.module_offset.value_or(0));
  if (f.pc) return hex(*f.pc);
  return "??";
}

}  // namespace

std::string format_native(const StackDump& dump) {
  std::string out;
  out.reserve(dump.threads.size() * 1024);
  for (const Thread& t : dump.threads) {
    out += "thread " + std::to_string(t.tid) + " \"" + text::escape_for_terminal(t.name) + "\" [" + t.state + "]:\n";
    for (const Frame& f : t.frames) {
      out += text::escape_for_terminal(f.function);
      out += "\n\t";
      out += text::escape_for_terminal(location(f));
      out += "\n";
    }
    for (const std::string& note : t.notes) out += "\t" + note + "\n";
    out += "\n";
  }
  for (const std::string& n : dump.notes) out += "(gops: " + n + ")\n";
  if (dump.paused_ms) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(gops: the target was stopped for %.3f ms)\n", *dump.paused_ms);
    out += buf;
  }
  return out;
}

StackDump parse_native(std::string_view text) {
  StackDump dump;
  Thread* t = nullptr;
  std::optional<Frame> pending;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (starts_with(line, "thread ") && line.size() > 2 && line.substr(line.size() - 2) == "]:") {
      pending.reset();
      dump.threads.emplace_back();
      t = &dump.threads.back();
      std::string_view rest = line.substr(7);
      auto sp = rest.find(' ');
      t->tid = std::strtoll(std::string(rest.substr(0, sp)).c_str(), nullptr, 10);
      auto q1 = rest.find('"'), q2 = rest.rfind("\" [");
      if (q1 != std::string_view::npos && q2 != std::string_view::npos && q2 > q1) {
        t->name = std::string(rest.substr(q1 + 1, q2 - q1 - 1));
        t->state = std::string(rest.substr(q2 + 3, rest.size() - (q2 + 3) - 2));
      }
      continue;
    }
    if (starts_with(line, "(gops: ") && line.back() == ')') {
      if (pending && t) t->frames.push_back(std::move(*pending));
      pending.reset();
      t = nullptr;
      dump.notes.emplace_back(line.substr(7, line.size() - 8));
      continue;
    }
    if (t == nullptr || line.empty()) continue;
    if (line[0] == '\t') {
      std::string_view body = line.substr(1);
      if (pending) {
        parse_location(body, *pending);
        t->frames.push_back(std::move(*pending));
        pending.reset();
      } else {
        t->notes.emplace_back(body);
      }
      continue;
    }
    if (pending) t->frames.push_back(std::move(*pending));
    pending = Frame{};
    pending->function = std::string(line);
  }
  if (pending && t) t->frames.push_back(std::move(*pending));
  return dump;
}

}  // namespace gops::stackdump
