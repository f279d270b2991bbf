// net/http/pprof's handlers for a C++ process. The profiles and texts are
// the commands' own (commands/); what is here is Go's parameters, status
// codes and headers.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "agent/commands/cancellation.hpp"
#include "agent/commands/heap_snapshot.hpp"
#include "agent/commands/thread_profiles.hpp"
#include "agent/host/allocator.hpp"
#include "agent/host/proc_self.hpp"
#include "agent/http/handlers.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent::http {
namespace {

using std::chrono::milliseconds;

// The longest delta a named profile may be asked for.
constexpr std::chrono::hours kLongestDelta{1};

// strconv.ParseInt(s, 10, 64): an optional sign and decimal digits only.
std::optional<long long> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// strconv.ParseFloat for the finite numbers a duration can be.
std::optional<double> parse_float(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789.eE+-") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// net/http/pprof's serveError: text/plain, X-Go-Pprof, the line.
Response serve_error(int status, const std::string& text) {
  Response r = error_response(status, text);
  r.set("X-Go-Pprof", "1");
  return r;
}

Response octet_stream(std::string body, const std::string& filename) {
  Response r;
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Type", "application/octet-stream");
  r.set("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  r.body = std::move(body);
  return r;
}

Response plain_text(std::string body) {
  Response r;
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return out;
}

std::int64_t unix_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int thread_count() { return std::max(0, count_dir_entries("/proc/self/task")); }

// ?seconds=N on a named profile: Go's checks, in Go's order.
struct DeltaRequest {
  bool wanted = false;
  std::chrono::seconds window{0};
  std::optional<Response> refusal;
};

DeltaRequest delta_request(const Request& request) {
  DeltaRequest d;
  std::string seconds = form_value(request.raw_query, "seconds");
  if (seconds.empty()) return d;
  d.wanted = true;
  auto n = parse_int(seconds);
  if (!n || *n <= 0) {
    d.refusal = serve_error(400, "invalid value for \"seconds\" - must be a positive integer");
  } else if (std::chrono::seconds(*n) > kLongestDelta) {
    d.refusal = serve_error(400, "profile duration exceeds the agent's limit of " +
                                     std::to_string(kLongestDelta.count()) + " h");
  } else if (parse_int(form_value(request.raw_query, "debug")).value_or(0) != 0) {
    d.refusal = serve_error(400, "seconds and debug params are incompatible");
  } else {
    d.window = std::chrono::seconds(*n);
  }
  return d;
}

Response thread_profile(ThreadProfile kind, const Request& request, const CommandContext& context) {
  std::string name = profile_name(kind);
  DeltaRequest delta = delta_request(request);
  if (delta.refusal) return *delta.refusal;
  if (delta.wanted) {
    std::int64_t started = unix_nanos();
    StackCounts before = count_thread_stacks(capture_thread_stacks(), kind);
    if (!wait_unless_stopped(context.cancel.stop, delta.window)) return serve_error(500, "context canceled");
    std::int64_t now = unix_nanos();
    StackCounts after = count_thread_stacks(capture_thread_stacks(), kind);
    auto profile = thread_profile_proto(kind, subtract(after, before), now, now - started);
    if (!profile) return serve_error(500, "failed to compute delta");
    return octet_stream(std::move(*profile), name + "-delta");
  }
  long long debug = parse_int(form_value(request.raw_query, "debug")).value_or(0);
  if (kind == ThreadProfile::kGoroutine && debug >= 2) return plain_text(stack_reply());
  StackCounts counts = count_thread_stacks(capture_thread_stacks(), kind);
  if (debug > 0) return plain_text(thread_profile_text(kind, counts));
  auto profile = thread_profile_proto(kind, counts, unix_nanos());
  if (!profile) return serve_error(500, "failed to build the profile: " + profile.message());
  Response r = octet_stream(std::move(*profile), name);
  if (debug != 0) r.set("Content-Type", "text/plain; charset=utf-8");
  return r;
}

Response heap_profile(std::string_view name, const Request& request, const CommandContext& context) {
  bool allocs = name == "allocs";
  HeapProfileOptions options;
  options.default_sample_type = allocs ? "alloc_space" : "inuse_space";
  DeltaRequest delta = delta_request(request);
  if (delta.refusal) return *delta.refusal;
  if (delta.wanted) {
    Result<HeapSnapshot> before = take_heap_snapshot();
    if (!before) return serve_error(500, before.message());
    if (!wait_unless_stopped(context.cancel.stop, delta.window)) return serve_error(500, "context canceled");
    Result<HeapSnapshot> after = take_heap_snapshot();
    if (!after) return serve_error(500, after.message());
    options.base = &*before;
    auto profile = heap_profile_proto(*after, options);
    if (!profile) return serve_error(500, "failed to compute delta");
    return octet_stream(std::move(*profile), std::string(name) + "-delta");
  }
  // gc=1: Go collects garbage first; a C++ heap has none, so the nearest
  // thing is done: free memory goes back to the system (gops gc).
  if (!allocs && parse_int(form_value(request.raw_query, "gc")).value_or(0) > 0) (void)release_free_memory();
  Result<HeapSnapshot> snapshot = take_heap_snapshot();
  if (!snapshot) return serve_error(500, snapshot.message());
  long long debug = parse_int(form_value(request.raw_query, "debug")).value_or(0);
  if (debug > 0) return plain_text(heap_profile_text(*snapshot, memstats_reply()));
  auto profile = heap_profile_proto(*snapshot, options);
  if (!profile) return serve_error(500, "failed to build the profile: " + profile.message());
  Response r = octet_stream(std::move(*profile), std::string(name));
  if (debug != 0) r.set("Content-Type", "text/plain; charset=utf-8");
  return r;
}

// strconv.ParseUint(word, 0, 64): 0x, 0o, 0b or a leading 0 pick the base.
std::uint64_t parse_address(std::string_view word) {
  int base = 10;
  if (word.size() > 2 && word[0] == '0' && (word[1] | 0x20) == 'x') base = 16, word.remove_prefix(2);
  else if (word.size() > 2 && word[0] == '0' && (word[1] | 0x20) == 'o') base = 8, word.remove_prefix(2);
  else if (word.size() > 2 && word[0] == '0' && (word[1] | 0x20) == 'b') base = 2, word.remove_prefix(2);
  else if (word.size() > 1 && word[0] == '0') base = 8, word.remove_prefix(1);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v, base);
  if (word.empty() || ec != std::errc{} || end != word.data() + word.size()) return 0;
  return v;
}

}  // namespace

bool is_named_profile(std::string_view name) {
  return name == "goroutine" || name == "threadcreate" || name == "heap" || name == "allocs";
}

Response pprof_index() {
  struct Entry {
    const char* name;
    std::size_t count;
    const char* description;
  };
  std::size_t sites = heap_site_count();
  std::size_t threads = static_cast<std::size_t>(thread_count());
  const Entry entries[] = {
      {"allocs", sites,
       "A sampling of all past memory allocations (needs the gops heap sampler, linked or preloaded)"},
      {"cmdline", 0, "The command line invocation of the current program"},
      {"goroutine", threads,
       "Stack traces of all current threads (a C++ program's threads stand for Go's goroutines)"},
      {"heap", sites,
       "A sampling of memory allocations of live objects (needs the gops heap sampler, linked or preloaded). You "
       "can specify the gc GET parameter to return free memory to the system before taking the heap sample."},
      {"profile", 0,
       "CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, "
       "use the go tool pprof command to investigate the profile."},
      {"threadcreate", threads, "The threads by the function each began in"},
      {"trace", 0,
       "A trace of execution of the current program. You can specify the duration in the seconds GET parameter. "
       "It is Trace Event JSON, not Go's trace format: open it in Perfetto (https://ui.perfetto.dev) or "
       "chrome://tracing; go tool trace cannot read it."},
  };
  std::string b = R"(<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
	display:inline-block;
	width:6rem;
}
</style>
</head>
<body>
/debug/pprof/<br>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
)";
  for (const Entry& e : entries)
    b += "<tr><td>" + std::to_string(e.count) + "</td><td><a href='" + e.name + "?debug=1'>" + e.name +
         "</a></td></tr>\n";
  b += R"(</table>
<a href="goroutine?debug=2">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
)";
  for (const Entry& e : entries)
    b += std::string("<li><div class=profile-name>") + e.name + ": </div> " + html_escape(e.description) +
         "</li>\n";
  b += R"(</ul>
</p>
<p>
A C++ program served by the gops agent. Prometheus metrics: <a href="/metrics">/metrics</a>
</p>
</body>
</html>)";
  Response r;
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(b);
  return r;
}

Response pprof_cmdline() {
  // The arguments joined by NUL bytes, as Go's strings.Join(os.Args, "\x00").
  std::string args = read_proc_file("/proc/self/cmdline", 1 << 20);
  if (!args.empty() && args.back() == '\0') args.pop_back();
  return plain_text(std::move(args));
}

Response pprof_profile(const Request& request, const CommandContext& context) {
  auto seconds = parse_int(form_value(request.raw_query, "seconds"));
  long long n = seconds && *seconds > 0 ? *seconds : 30;
  auto duration = milliseconds(std::min<long long>(n, 1LL << 40) * 1000);
  Result<std::string> profile = cpu_profile_reply(duration, context.cancel);
  if (!profile) {
    const std::string& why = profile.message();
    if (why.find("refused: the duration") != std::string::npos) return serve_error(400, why);
    return serve_error(500, "Could not enable CPU profiling: " + why);
  }
  return octet_stream(std::move(*profile), "profile");
}

Response pprof_trace(const Request& request, const CommandContext& context) {
  auto seconds = parse_float(form_value(request.raw_query, "seconds"));
  double s = seconds && *seconds > 0 ? *seconds : 1;  // Go's default: 1 s
  auto duration = milliseconds(std::max<long long>(1, static_cast<long long>(std::min(s, 1e9) * 1000)));
  Result<std::string> trace = trace_reply(duration, context.cancel);
  if (!trace) {
    const std::string& why = trace.message();
    if (why.find("refused: the duration") != std::string::npos) return serve_error(400, why);
    return serve_error(500, "Could not enable tracing: " + why);
  }
  Response r;
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Type", "application/json");
  r.set("Content-Disposition", "attachment; filename=\"trace.json\"");
  r.body = std::move(*trace);
  return r;
}

Response pprof_symbol(const Request& request) {
  // The addresses: "+"-separated, from the body of a POST or the query.
  std::string_view words = request.method == "POST" ? std::string_view(request.body)
                                                    : std::string_view(request.raw_query);
  std::string out = "num_symbols: 1\n";
  symbolize::allow_refresh();
  while (true) {
    std::size_t plus = words.find('+');
    std::uint64_t pc = parse_address(words.substr(0, plus));
    if (pc != 0) {
      // As runtime.FuncForPC: the innermost function at pc.
      std::vector<symbolize::SourceFrame> frames = symbolize::source_frames(static_cast<std::uintptr_t>(pc));
      std::string name = !frames.empty() ? frames.front().function : std::string();
      if (name.empty()) name = symbolize::module_location(static_cast<std::uintptr_t>(pc)).symbol;
      char hex[24];
      std::snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(pc));
      if (!name.empty()) out += std::string(hex) + " " + name + "\n";
    }
    if (plus == std::string_view::npos) break;
    words.remove_prefix(plus + 1);
  }
  return plain_text(std::move(out));
}

Response pprof_named(std::string_view name, const Request& request, const CommandContext& context) {
  if (name == "goroutine") return thread_profile(ThreadProfile::kGoroutine, request, context);
  if (name == "threadcreate") return thread_profile(ThreadProfile::kThreadCreate, request, context);
  if (name == "heap" || name == "allocs") return heap_profile(name, request, context);
  Response r = serve_error(404, "Unknown profile");
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace gops::agent::http
