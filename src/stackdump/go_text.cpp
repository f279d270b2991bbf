// Go's goroutine dump text, both ways. The layout is runtime.Stack(all)'s
// (src/runtime/traceback.go: goroutineheader, traceback2, printcreatedby1):
//
//   goroutine 18 [chan receive, 3 minutes, locked to thread]:
//   main.worker(0xc00001a0c0, ...)
//   	/src/main.go:20 +0x3d
//   main.helper(...)                      <- inlined: "(...)", no offset
//   	/src/main.go:11
//   ...5 frames elided...
//   created by main.start in goroutine 1
//   	/src/main.go:30 +0x56
//
// with a blank line between goroutines.
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "stackdump/stack_dump.hpp"

namespace gops::stackdump {
namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Written by hand: snprintf was most of a dump's time.
void append_hex(std::string& out, std::uint64_t v) {
  char buf[18];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  *--p = 'x';
  *--p = '0';
  out.append(p, end);
}

void append_location(std::string& out, const std::string& file, int line, std::optional<std::uint64_t> offset) {
  out += '\t';
  out += file.empty() ? std::string_view("?") : std::string_view(file);
  out += ':';
  if (line < 0) out += '-';
  append_number(out, line < 0 ? 0 - static_cast<std::uint64_t>(static_cast<std::int64_t>(line)) : static_cast<std::uint64_t>(line));
  if (offset) {
    out += " +";
    append_hex(out, *offset);
  }
  out += '\n';
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<std::uint64_t> parse_uint(std::string_view s, int base = 10) {
  if (s.empty()) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(copy.c_str(), &end, base);
  if (errno != 0 || end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

// "\t/src/main.go:20 +0x3d fp=... sp=... pc=..." -> file, line, offset.
bool parse_location(std::string_view line, std::string& file, int& lineno, std::optional<std::uint64_t>& offset) {
  if (line.empty() || line[0] != '\t') return false;
  line.remove_prefix(1);
  if (auto fp = line.find(" fp="); fp != std::string_view::npos) line = line.substr(0, fp);
  offset.reset();
  if (auto plus = line.rfind(" +0x"); plus != std::string_view::npos) {
    offset = parse_uint(line.substr(plus + 4), 16);
    if (!offset) return false;
    line = line.substr(0, plus);
  }
  auto colon = line.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto n = parse_uint(line.substr(colon + 1));
  if (!n) return false;
  file = std::string(line.substr(0, colon));
  lineno = static_cast<int>(*n);
  return true;
}

// "[chan receive, 3 minutes, locked to thread]"'s inside.
void parse_status(std::string_view inside, Goroutine& g) {
  std::vector<std::string_view> parts;
  while (true) {
    auto comma = inside.find(", ");
    parts.push_back(inside.substr(0, comma));
    if (comma == std::string_view::npos) break;
    inside.remove_prefix(comma + 2);
  }
  g.status = std::string(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (p == "locked to thread") {
      g.locked_to_thread = true;
    } else if (auto sp = p.find(" minutes"); sp != std::string_view::npos && parse_uint(p.substr(0, sp))) {
      g.wait_minutes = *parse_uint(p.substr(0, sp));
    } else {
      g.status += ", " + std::string(p);  // something newer releases add: keep it with the status
    }
  }
}

}  // namespace

std::string go_hex(std::uint64_t v) {
  std::string out;
  append_hex(out, v);
  return out;
}

// Appended piece by piece: temporaries were much of a dump's time.
void append_go_goroutine(std::string& out, const Goroutine& g) {
  out += "goroutine ";
  append_number(out, g.id);
  out += " [";
  out += g.status;
  if (g.wait_minutes >= 1) {
    out += ", ";
    append_number(out, g.wait_minutes);
    out += " minutes";
  }
  if (g.locked_to_thread) out += ", locked to thread";
  out += "]:\n";
  for (const std::string& note : g.notes) {
    out += '\t';
    out += note;
    out += '\n';
  }
  for (const Frame& f : g.frames) {
    if (f.elision) {
      if (f.elided) {
        out += "...";
        append_number(out, f.elided);
        out += " frames elided...\n";
      } else {
        out += "...additional frames elided...\n";
      }
      continue;
    }
    out += f.function;
    out += '(';
    out += f.args;
    out += ")\n";
    append_location(out, f.file, f.line, f.offset);
  }
  if (!g.stopped.empty()) {
    out += "\t(";
    out += g.stopped;
    out += ")\n";
  }
  if (g.created_by) {
    const CreatedBy& c = *g.created_by;
    out += "created by ";
    out += c.function;
    if (c.goroutine) {
      out += " in goroutine ";
      append_number(out, *c.goroutine);
    }
    out += '\n';
    append_location(out, c.file, c.line, c.offset);
  }
}

std::string go_dump_tail(const StackDump& dump) {
  std::string tail;
  if (dump.invalid)
    tail += "(gops: " + std::to_string(dump.invalid) + (dump.invalid == 1 ? " goroutine" : " goroutines") +
            " failed validation (stack bounds, PCs or id out of range) and " + (dump.invalid == 1 ? "is" : "are") +
            " not shown)\n";
  if (dump.changing)
    tail += "(gops: " + std::to_string(dump.changing) + (dump.changing == 1 ? " goroutine" : " goroutines") +
            " kept running while read and " + (dump.changing == 1 ? "is" : "are") + " shown without frames)\n";
  for (const std::string& n : dump.notes) tail += "(gops: " + n + ")\n";
  if (dump.paused_ms) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(gops: the target was stopped for %.3f ms)\n", *dump.paused_ms);
    tail += buf;
  }
  return tail;
}

std::string format_go(const StackDump& dump) {
  std::string out;
  out.reserve(dump.goroutines.size() * 512);
  for (std::size_t i = 0; i < dump.goroutines.size(); ++i) {
    if (i > 0) out += '\n';
    append_go_goroutine(out, dump.goroutines[i]);
  }
  std::string tail = go_dump_tail(dump);
  if (!tail.empty()) out += (out.empty() ? "" : "\n") + tail;
  return out;
}

StackDump parse_go(std::string_view text) {
  StackDump dump;
  Goroutine* g = nullptr;
  // A function line waits for its location line; so does "created by".
  std::optional<Frame> frame;
  std::optional<CreatedBy> created;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);

    if (frame || created) {
      std::string file;
      int lineno = 0;
      std::optional<std::uint64_t> offset;
      if (parse_location(line, file, lineno, offset)) {
        if (frame) {
          frame->file = file;
          frame->line = lineno;
          frame->offset = offset;
          g->frames.push_back(std::move(*frame));
        } else {
          created->file = file;
          created->line = lineno;
          created->offset = offset;
          g->created_by = std::move(*created);
        }
        frame.reset();
        created.reset();
        continue;
      }
      // No location: keep what came as it was said.
      if (frame) g->notes.push_back(frame->function + "(" + frame->args + ")");
      frame.reset();
      created.reset();
    }

    if (starts_with(line, "goroutine ")) {
      auto open = line.find(" [");
      auto close = line.rfind("]");
      auto id_end = line.find(' ', 10);
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        auto id = parse_uint(line.substr(10, id_end - 10));
        if (id) {
          dump.goroutines.emplace_back();
          g = &dump.goroutines.back();
          g->id = *id;
          parse_status(line.substr(open + 2, close - open - 2), *g);
          continue;
        }
      }
    }
    if (line.empty()) continue;
    if (g == nullptr) {
      if (starts_with(line, "(gops: ")) dump.notes.emplace_back(line.substr(7, line.size() - 8));
      continue;
    }
    if (starts_with(line, "(gops: ")) {
      dump.notes.emplace_back(line.substr(7, line.size() - 8));
      continue;
    }
    if (starts_with(line, "...") && line.size() > 6 && line.substr(line.size() - 3) == "...") {
      Frame e;
      e.elision = true;
      std::string_view inner = line.substr(3, line.size() - 6);
      if (auto sp = inner.find(' '); sp != std::string_view::npos) e.elided = parse_uint(inner.substr(0, sp)).value_or(0);
      g->frames.push_back(e);
      continue;
    }
    if (starts_with(line, "created by ")) {
      CreatedBy c;
      std::string_view rest = line.substr(11);
      if (auto in = rest.rfind(" in goroutine "); in != std::string_view::npos) {
        c.goroutine = parse_uint(rest.substr(in + 14));
        if (c.goroutine) rest = rest.substr(0, in);
      }
      c.function = std::string(rest);
      created = std::move(c);
      continue;
    }
    if (line[0] == '\t') {
      std::string_view note = line.substr(1);
      // A remark after frames says why they end there.
      if (!g->frames.empty() && note.size() > 2 && note.front() == '(' && note.back() == ')')
        g->stopped = std::string(note.substr(1, note.size() - 2));
      else
        g->notes.emplace_back(note);
      continue;
    }
    // "name(args)": the arguments are the last parenthesized group.
    if (line.back() == ')') {
      auto open = line.rfind('(');
      if (open != std::string_view::npos && open > 0) {
        Frame f;
        f.function = std::string(line.substr(0, open));
        f.args = std::string(line.substr(open + 1, line.size() - open - 2));
        f.inlined = f.args == "...";
        frame = std::move(f);
        continue;
      }
    }
    g->notes.emplace_back(line);
  }
  if (frame && g) g->notes.push_back(frame->function + "(" + frame->args + ")");
  return dump;
}

StackDump parse_any(std::string_view text) {
  if (text.substr(0, 7) == "thread ") return parse_native(text);
  return parse_go(text);
}

}  // namespace gops::stackdump
