// /proc/PID/stat: the one file the process list reads for every process.
#include <charconv>
#include <cstdio>
#include <string>

#include "proc/process.hpp"
#include "proc/proc_file.hpp"

namespace gops::proc {
namespace {

// Positions of the fields gops uses, counted from the state field (field 3
// in proc(5)), i.e. proc(5) field number minus 3.
constexpr int kPpid = 1;          // field 4
constexpr int kUtime = 11;        // field 14
constexpr int kStime = 12;        // field 15
constexpr int kNumThreads = 17;   // field 20
constexpr int kStartTime = 19;    // field 22
constexpr int kRss = 21;          // field 24: the last field gops requires
constexpr int kBlkioTicks = 39;   // field 42: absent before Linux 2.6.18

Error bad_stat(std::string_view why) { return Error{"malformed /proc stat line: " + std::string(why)}; }

template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

// Splits off the next space-separated token of `rest`.
std::string_view next_token(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
  std::size_t start = i;
  while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
  std::string_view tok = rest.substr(start, i - start);
  rest.remove_prefix(i);
  return tok;
}

}  // namespace

Result<StatLine> parse_stat(std::string_view text) {
  // "PID (COMM) S PPID ...": COMM may hold anything, ')' and newlines
  // included, so it runs from the first '(' to the last ')'.
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return bad_stat("no (comm)");

  StatLine s;
  std::string_view pid_text = text.substr(0, open);
  if (pid_text.empty() || pid_text.back() != ' ') return bad_stat("no space before (comm)");
  pid_text.remove_suffix(1);
  if (!parse_number(pid_text, s.pid) || s.pid <= 0) return bad_stat("bad pid");
  s.comm.assign(text.substr(open + 1, close - open - 1));

  std::string_view rest = text.substr(close + 1);
  if (rest.empty() || rest.front() != ' ') return bad_stat("no fields after (comm)");

  bool ok = true;
  int index = 0;
  for (std::string_view tok = next_token(rest); !tok.empty() && index <= kBlkioTicks;
       tok = next_token(rest), ++index) {
    switch (index) {
      case 0:
        if (tok.size() != 1) return bad_stat("bad state");
        s.state = tok[0];
        break;
      case kPpid: ok = parse_number(tok, s.ppid); break;
      case kUtime: ok = parse_number(tok, s.utime_ticks); break;
      case kStime: ok = parse_number(tok, s.stime_ticks); break;
      case kNumThreads: ok = parse_number(tok, s.num_threads); break;
      case kStartTime: ok = parse_number(tok, s.start_ticks); break;
      case kRss: ok = parse_number(tok, s.rss_pages); break;
      case kBlkioTicks: ok = parse_number(tok, s.iowait_ticks); break;
      default: break;
    }
    if (!ok) return bad_stat("bad number in field " + std::to_string(index + 3));
  }
  if (index <= kRss) return bad_stat("only " + std::to_string(index + 2) + " fields");
  return s;
}

namespace {

Result<StatLine> read_stat_file(int pid, std::string_view name) {
  // A stat line is at most ~52 numbers of up to 20 digits plus a 15-byte
  // comm (about 1.1 KB); 2 KB on the stack leaves room to spare.
  char buf[2048];
  auto n = detail::read_into(pid, name, buf, sizeof buf);
  if (!n) return n.error();
  // An empty read means the process was reaped between open and read.
  if (*n == 0 && !detail::pid_exists(pid)) return Error{"no process with PID " + std::to_string(pid)};
  auto s = parse_stat(std::string_view(buf, *n));
  if (!s) return Error{"PID " + std::to_string(pid) + ": " + s.message()};
  return s;
}

}  // namespace

Result<StatLine> read_stat(int pid) { return read_stat_file(pid, "stat"); }

Result<StatLine> read_thread_stat(int pid, int tid) {
  char name[32];
  std::snprintf(name, sizeof name, "task/%d/stat", tid);
  return read_stat_file(pid, name);
}

}  // namespace gops::proc
