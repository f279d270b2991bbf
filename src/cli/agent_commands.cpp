// The agent commands: stack, gc, setgc, memstats, stats, version, trace,
// pprof-cpu, pprof-heap <pid|addr>. Same output as the Go gops
// (internal/cmd/shared.go); the wire exchanges live in src/client.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/agentless.hpp"
#include "cli/cli.hpp"
#include "client/agent_client.hpp"
#include "client/dump_file.hpp"
#include "client/go_tool.hpp"
#include "client/reply_saver.hpp"
#include "client/target.hpp"

namespace gops::cli {
namespace {

using client::AgentClient;
using client::DumpFile;
using client::Millis;

// What the user gave; one instance serves every agent subcommand (only one
// of them runs).
struct AgentArgs {
  std::string target;
  std::string value;  // setgc's percentage
  double timeout_s = 15;
  double connect_timeout_s = 3;
  std::string output;
  double seconds = 0;  // 0: the Go agent's fixed length
  std::uint64_t max_size = 4ull << 30;  // the largest reply saved
  bool agentless = false;  // read the process's memory even if it runs an agent
  bool all = false;        // stack: runtime goroutines and frames too (agentless)
  bool freeze = false;     // stack: stop the target for a consistent snapshot (agentless)
  bool json = false;       // stack: as JSON
  bool threads = false;    // stack: a Go process's OS threads (agentless)
};

// Rounded half away from zero, as std::llround, but without libm (the only
// function gops would load it for: loading it cost every run 0.6 to 0.9 ms)
// and clamped, so a huge timeout waits for ever rather than overflowing.
Millis to_millis(double seconds) {
  const double ms = seconds * 1000;
  constexpr double kLimit = 9.0e18;  // below INT64_MAX, exact as a double
  if (!(ms > -kLimit)) return Millis(ms < 0 ? -static_cast<std::int64_t>(kLimit) : 0);  // NaN: 0
  if (ms >= kLimit) return Millis(static_cast<std::int64_t>(kLimit));
  auto whole = static_cast<std::int64_t>(ms);              // toward zero
  const double rest = ms - static_cast<double>(whole);     // exact
  if (rest >= 0.5) ++whole;
  if (rest <= -0.5) --whole;
  return Millis(whole);
}

// "2", "1.5": seconds as the user gave them, for the "will take N secs" line.
std::string fmt_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", seconds);
  return buf;
}

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// strconv.ParseInt(s, 10, 64), with its error text.
Result<std::int64_t> parse_int(const std::string& s) {
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range)
    return Error{"strconv.ParseInt: parsing \"" + s + "\": value out of range"};
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
      (digits.size() != s.size() && digits.front() == '-'))
    return Error{"strconv.ParseInt: parsing \"" + s + "\": invalid syntax"};
  return v;
}

Result<AgentClient> connect_to(const AgentArgs& a) {
  if (a.target.empty()) return Error{"missing PID or address"};
  client::Timeouts t;
  t.connect = to_millis(a.connect_timeout_s);
  t.idle = to_millis(a.timeout_s);
  // Finding the agent gets the connect timeout too.
  auto target = client::resolve_target(a.target, protocol::process_env(), t.connect);
  if (!target) return target.error();
  return AgentClient(std::move(target->endpoints), t);
}

int print_reply(const AgentArgs& a, Result<std::string> (AgentClient::*command)() const) {
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  auto reply = ((*c).*command)();
  if (!reply) return fail(reply.message());
  print(*reply);
  return 0;
}

int gc(const AgentArgs& a) {
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  if (auto s = c->gc(); !s) return fail(s.message());
  return 0;
}

int setgc(const AgentArgs& a) {
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  if (a.value.empty()) return fail("missing gc percentage");
  std::int64_t percent = -1;
  std::string lower = a.value;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower != "off") {  // as Go's strings.ToLower(arg) == "off"
    auto v = parse_int(a.value);
    if (!v) return fail(v.message());
    percent = *v;
  }
  auto reply = c->set_gc_percent(percent);
  if (!reply) return fail(reply.message());
  print(*reply);
  return 0;
}

// Where a binary reply goes: the -o path, else a temporary file named like
// the Go gops' os.CreateTemp("", prefix).
Result<DumpFile> open_output(const std::string& output, const char* prefix) {
  return output.empty() ? DumpFile::temporary(prefix) : DumpFile::at(output);
}

// Status lines go where the data does not.
std::FILE* info_stream(const DumpFile& file) { return file.is_stdout() ? stderr : stdout; }

// Streams one binary reply into `file` (client/reply_saver.hpp) and commits
// it. `first_byte` receives the reply's first byte.
template <class Fetch>
Status fetch_to_file(DumpFile& file, std::uint64_t max_size, const char* empty_error, Fetch fetch,
                     char* first_byte = nullptr) {
  client::ReplySaver saver([&](std::span<const char> bytes) { return file.write(bytes); }, max_size);
  auto n = fetch([&](std::span<const char> chunk) { return saver.take(chunk); });
  if (!n) return n.error();
  if (auto s = saver.finish(empty_error); !s) return s;
  if (first_byte != nullptr) *first_byte = saver.first_byte();
  return file.commit();
}

// Without -o and with `go` on PATH, the Go gops opens the data in the Go
// toolchain's viewer, then deletes its temporary files.
int view(std::vector<std::string> argv, std::vector<DumpFile*> files) {
  std::fflush(stdout);
  auto rc = client::run_attached(argv);
  for (DumpFile* f : files) f->remove();
  if (!rc) return fail(rc.message());
  return *rc;
}

int pprof(const AgentArgs& a, bool cpu) {
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  auto profile = open_output(a.output, cpu ? "cpu_profile" : "heap_profile");
  if (!profile) return fail(profile.message());
  std::FILE* info = info_stream(*profile);
  Millis length = a.seconds > 0 ? to_millis(a.seconds) : client::kGoCpuProfileLength;
  if (cpu) {
    if (auto s = c->check_length(protocol::Command::kCpuProfile, length); !s) return fail(s.message());
    std::fprintf(info, "Profiling CPU now, will take %s secs...\n",
                 a.seconds > 0 ? fmt_seconds(a.seconds).c_str() : "30");
    std::fflush(info);
  }
  auto saved = fetch_to_file(*profile, a.max_size, "failed to read the profile", [&](const client::Sink& sink) {
    return cpu ? c->cpu_profile(sink, length) : c->heap_profile(sink);
  });
  if (!saved) return fail(saved.message());
  std::fprintf(info, "Profile dump saved to: %s\n", profile->path().c_str());
  auto go = a.output.empty() ? client::find_in_path("go") : std::nullopt;
  if (!go) return 0;

  auto binary = open_output({}, "binary");
  Status fetched = binary ? fetch_to_file(*binary, a.max_size, "the agent sent nothing",
                                          [&](const client::Sink& sink) { return c->binary(sink); })
                          : Status(binary.error());
  if (!fetched)
    return fail("failed to read the binary: " + fetched.message() + " (the profile stays in " +
                profile->path() + ")");
  std::printf("Binary file saved to: %s\n", binary->path().c_str());
  return view({*go, "tool", "pprof", binary->path(), profile->path()}, {&*profile, &*binary});
}

int trace(const AgentArgs& a) {
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  auto file = open_output(a.output, "trace");
  if (!file) return fail(file.message());
  std::FILE* info = info_stream(*file);
  Millis length = a.seconds > 0 ? to_millis(a.seconds) : client::kGoTraceLength;
  if (auto s = c->check_length(protocol::Command::kTrace, length); !s) return fail(s.message());
  std::fprintf(info, "Tracing now, will take %s secs...\n", a.seconds > 0 ? fmt_seconds(a.seconds).c_str() : "5");
  std::fflush(info);
  char first = 0;
  auto saved = fetch_to_file(
      *file, a.max_size, "nothing has traced", [&](const client::Sink& sink) { return c->trace(sink, length); },
      &first);
  if (!saved) return fail(saved.message());
  std::fprintf(info, "Trace dump saved to: %s\n", file->path().c_str());
  // Our C++ agent sends Trace Event JSON, not a Go runtime trace: no Go
  // viewer for it.
  if (first == '{') {
    std::fprintf(info, "Open it in Perfetto (https://ui.perfetto.dev, \"Open trace file\") or chrome://tracing.\n");
    return 0;
  }
  auto go = a.output.empty() ? client::find_in_path("go") : std::nullopt;
  if (!go) return 0;
  return view({*go, "tool", "trace", file->path()}, {&*file});
}

// Durations: plain seconds or with a unit ("1500ms", "2s", "1m"). Built
// once and copied to each subcommand: building it is most of gops' start-up.
const CLI::Validator& duration_units() {
  static const CLI::AsNumberWithUnit units(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}},
                                           CLI::AsNumberWithUnit::CASE_SENSITIVE, "UNIT");
  return units;
}

// After duration_units() has turned the text into seconds.
const CLI::Validator& positive_duration() {
  static const CLI::Validator positive(
      [](std::string& seconds) -> std::string {
        char* end = nullptr;
        double v = std::strtod(seconds.c_str(), &end);
        return v > 0 && *end == '\0' ? "" : "must be a duration above zero";
      },
      "");
  return positive;
}

struct Spec {
  const char* name;
  const char* help;
  int (*run)(const AgentArgs&);
  bool writes_file = false;  // -o
  bool timed = false;        // --seconds
};

// A PID with no agent (or --agentless) is read from its memory; nullopt:
// ask the agent.
std::optional<int> without_agent(const AgentArgs& a, bool forced, int (*run)(pid_t)) {
  auto pid = agentless_target(a.target, forced);
  if (!pid) return fail(pid.message());
  if (!*pid) return std::nullopt;
  return run(**pid);
}

int run_stack(const AgentArgs& a) {
  // --all, --freeze and --threads are about reading memory: they imply
  // --agentless. Any process with no agent is read, Go or not.
  bool forced = a.agentless || a.all || a.freeze || a.threads;
  auto pid = agentless_target(a.target, forced, true);
  if (!pid) return fail(pid.message());
  if (*pid) return agentless_stack(**pid, {a.all, a.freeze, a.json, a.threads});
  if (!a.json) return print_reply(a, &AgentClient::stack);
  auto c = connect_to(a);
  if (!c) return fail(c.message());
  auto reply = c->stack();
  if (!reply) return fail(reply.message());
  print(stack_reply_json(*reply));
  return 0;
}
int run_memstats(const AgentArgs& a) {
  if (auto rc = without_agent(a, a.agentless, agentless_memstats)) return *rc;
  return print_reply(a, &AgentClient::memstats);
}
int run_stats(const AgentArgs& a) {
  if (auto rc = without_agent(a, a.agentless, agentless_stats)) return *rc;
  return print_reply(a, &AgentClient::stats);
}
int run_version(const AgentArgs& a) {
  if (auto rc = without_agent(a, a.agentless, agentless_version)) return *rc;
  return print_reply(a, &AgentClient::version);
}
int run_pprof_cpu(const AgentArgs& a) { return pprof(a, true); }
int run_pprof_heap(const AgentArgs& a) { return pprof(a, false); }

// The Go gops' command descriptions, with our options added.
constexpr Spec kCommands[] = {
    {"stack", "Prints the stack trace.", run_stack},
    {"gc", "Runs the garbage collector and blocks until successful.", gc},
    {"setgc", "Sets the garbage collection target percentage. To completely stop GC, set to 'off'", setgc},
    {"memstats", "Prints the allocation and garbage collection stats.", run_memstats},
    {"stats", "Prints runtime stats.", run_stats},
    {"trace", "Runs the runtime tracer for 5 secs and launches \"go tool trace\".", trace, true, true},
    {"pprof-heap", "Reads the heap profile and launches \"go tool pprof\".", run_pprof_heap, true},
    {"pprof-cpu", "Reads the CPU profile and launches \"go tool pprof\".", run_pprof_cpu, true, true},
    {"version", "Prints the Go version used to build the program.", run_version},
};

// The options of agent command `spec`, into `args`.
void add_agent_options(CLI::App* sub, const Spec& spec, AgentArgs* args) {
  sub->add_option("target", args->target, "PID of a process running a gops agent, or host:port of the agent");
  if (std::string_view(spec.name) == "setgc")
    sub->add_option("percent", args->value, "GC target percentage, or 'off'");
  sub->add_option("--timeout", args->timeout_s,
                  "Give up when the agent stays silent this long (seconds, or with ms/s/m; "
                  "the command's own run time is added for the first byte)")
      ->transform(duration_units())
      ->check(positive_duration())
      ->type_name("DURATION")
      ->default_str("15s");
  sub->add_option("--connect-timeout", args->connect_timeout_s, "Give up connecting after this long")
      ->transform(duration_units())
      ->check(positive_duration())
      ->type_name("DURATION")
      ->default_str("3s");
  if (spec.writes_file) {
    sub->add_option("-o,--output", args->output,
                    "Write the data to FILE (- for stdout) instead of a temporary file, and launch no viewer")
        ->type_name("FILE");
    sub->add_option("--max-size", args->max_size, "Stop with an error if the reply grows beyond this (e.g. 512MiB)")
        ->transform(CLI::AsSizeValue(false))
        ->type_name("SIZE")
        ->default_str("4GiB");
  }
  std::string_view name = spec.name;
  if (name == "stack" || name == "stats" || name == "version" || name == "memstats")
    sub->add_flag("--agentless", args->agentless,
                  "Read the process's memory instead of asking its agent (the default for a Go process with no agent)");
  if (name == "stack") {
    sub->add_flag("--all", args->all, "Also show the runtime's own goroutines and frames (reads memory)");
    sub->add_flag("--freeze", args->freeze,
                  "Stop the process briefly for a consistent snapshot, show running goroutines from their "
                  "threads, and say how long it was stopped (reads memory)");
    sub->add_flag("--threads", args->threads,
                  "Show a Go process's OS threads, stopped briefly and unwound, instead of its goroutines "
                  "(reads memory; what a process that is not Go always shows without an agent)");
    sub->add_flag("--json", args->json, "Print goroutines or threads as JSON");
  }
  if (spec.timed)
    sub->add_option("--seconds", args->seconds,
                    "Run this long instead of the Go agent's fixed length (needs an agent that offers it)")
        ->transform(duration_units())
        ->check(positive_duration())
        ->type_name("DURATION");
}

}  // namespace

bool is_agent_command(std::string_view name) {
  for (const Spec& spec : kCommands)
    if (name == spec.name) return true;
  return false;
}

void add_agent_commands(Cli& cli) {
  auto args = std::make_shared<AgentArgs>();
  for (const Spec& spec : kCommands) {
    CLI::App* sub = cli.add_command(spec.name, spec.help, [&spec, &args](CLI::App& app) {
      add_agent_options(&app, spec, args.get());
    });
    if (sub == nullptr) continue;
    auto run = spec.run;
    sub->callback([&cli, args, run] { cli.action = [args, run] { return run(*args); }; });
  }
  if (cli.registers_everything()) add_completion_command(cli);
}

}  // namespace gops::cli
