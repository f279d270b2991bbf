// A stack dump as data: every goroutine of a Go program (as runtime/pprof's
// goroutine profile at debug=2 shows them) or every thread of a native one
// (as our C++ agent shows them). The agentless readers produce it, agent
// replies are parsed into it, and it prints as text or JSON, so
// `gops stack --json` has one shape whatever answered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gops::stackdump {

struct Frame {
  std::string function;  // as printed: "main.worker", "panic", "??"
  std::string args;      // Go: between the parentheses ("0xc00001a0c0, 0x1", "..." when inlined)
  std::string file;      // "" when unknown
  int line = 0;
  std::optional<std::uint64_t> pc;      // absolute, when known (not in text replies)
  std::optional<std::uint64_t> offset;  // from the function's entry ("+0x1d"), when shown
  bool inlined = false;
  std::string module;                   // native frames without line info: module+offset
  std::optional<std::uint64_t> module_offset;
  // Not a frame but "...N frames elided..." (N; or 0 for Go 1.16-1.20's
  // "...additional frames elided...").
  bool elision = false;
  std::uint64_t elided = 0;
};

struct CreatedBy {
  std::string function;
  std::optional<std::uint64_t> goroutine;  // "in goroutine N" (Go 1.21+)
  std::string file;
  int line = 0;
  std::optional<std::uint64_t> offset;
  std::optional<std::uint64_t> pc;
};

struct Goroutine {
  std::uint64_t id = 0;
  std::string status;  // "chan receive", "running", "syscall", "select (scan)"
  std::uint64_t wait_minutes = 0;
  bool locked_to_thread = false;
  std::vector<Frame> frames;
  std::optional<CreatedBy> created_by;
  // Lines said instead of (or after) frames: "goroutine running on other
  // thread; stack unavailable", or gops' own remarks, printed in
  // parentheses.
  std::vector<std::string> notes;
  // Why the frames end before the goroutine's first function, when they do
  // (agentless: an unreadable or implausible frame); printed after them.
  std::string stopped;
  // Agentless only: where the frames come from.
  std::optional<std::uint64_t> thread;  // the thread it runs on, when known
  bool stale = false;                   // running: frames from its last saved state, not from now
};

struct Thread {
  std::int64_t tid = 0;
  std::string name;
  std::string state;  // "S (sleeping)", or with ", in WCHAN"
  std::vector<Frame> frames;
  std::vector<std::string> notes;  // "(no stack: ...)"
};

struct StackDump {
  std::vector<Goroutine> goroutines;
  std::vector<Thread> threads;
  // Agentless reads: what could not be shown, and what it cost.
  std::uint64_t invalid = 0;        // goroutines that failed validation
  std::uint64_t changing = 0;       // goroutines whose stack kept changing while read
  std::optional<double> paused_ms;  // --freeze: how long the target was stopped
  std::vector<std::string> notes;   // more lines about the whole dump
};

// Go text (runtime/pprof goroutine profile, debug=2; runtime.Stack(all)).
std::string format_go(const StackDump& dump);
// Its pieces, for a dump printed as it is made: one goroutine's text (the
// goroutines are separated by blank lines), and gops' lines after the
// goroutines ("" if none; after a blank line when goroutines precede).
void append_go_goroutine(std::string& out, const Goroutine& g);
std::string go_dump_tail(const StackDump& dump);
// "0x1d": a number as the runtime's hex() prints it in tracebacks.
std::string go_hex(std::uint64_t v);
// Parses Go text; lines it does not know are kept as notes, never dropped.
StackDump parse_go(std::string_view text);

// Our C++ agent's text (thread TID "name" [state]: frames), then gops'
// own lines about the whole dump ("(gops: ...)"), as the Go text ends.
// Names are escaped for a terminal (no control bytes).
std::string format_native(const StackDump& dump);
StackDump parse_native(std::string_view text);
// Either: native if it starts with "thread ", else Go.
StackDump parse_any(std::string_view text);

// JSON: {"goroutines": [...]} or {"threads": [...]}, plus the agentless
// fields when set. Indented, with a final newline.
std::string to_json(const StackDump& dump);

}  // namespace gops::stackdump
