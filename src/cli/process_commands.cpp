// `gops` (the list), `gops tree` and `gops process|pid|proc <pid> [period]`.
#include <sys/stat.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "common/pid.hpp"
#include "cli/cli.hpp"
#include "cli/process_format.hpp"
#include "cli/process_scan.hpp"
#include "common/text.hpp"

namespace gops::cli {
namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

ScanResult scan(const Cli& cli) {
  ScanResult r = scan_processes();
  if (cli.verbose) {
    for (const auto& why : r.skipped)
      std::fprintf(stderr, "gops: skipped %s\n", text::escape_for_terminal(why).c_str());
    std::fprintf(stderr, "gops: %zu processes listed, %zu skipped, %zu executables read\n", r.processes.size(),
                 r.skipped.size(), r.executables_read);
  }
  return r;
}

bool process_exists(int pid) {
  struct stat st {};
  return pid > 0 && ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

int show_process(const Cli& cli, const std::string& pid_text, const std::string& period_text) {
  auto pid = parse_pid(pid_text);
  if (!pid) return fail("not a PID: \"" + pid_text + "\"");
  std::optional<PeriodUsage> usage;
  if (!period_text.empty()) {
    auto period = parse_period(period_text);
    if (!period) return fail("not a duration: \"" + period_text + "\" (use e.g. 2s, 1m30s, 500ms, or seconds)");
    if (period->count() < 0) return fail("cannot determine CPU usage for negative duration " + period_text);
    if (period->count() > 0) usage = PeriodUsage{*period, 0};
  }
  auto details = proc::read_details(*pid);
  if (!details) return fail(details.message());
  if (usage) {
    auto before = proc::cpu_seconds(*pid);
    std::this_thread::sleep_for(usage->period);
    auto after = proc::cpu_seconds(*pid);
    if (!before || !after) return fail(!after ? after.message() : before.message());
    usage->cpu_percent = 100 * (*after - *before) / std::chrono::duration<double>(usage->period).count();
  }
  if (cli.json) return print(details_json(*details, now_ms(), usage).dump(2) + "\n");
  return print(format_details(*details, process_exists(details->ppid), now_ms(), usage));
}

}  // namespace

void add_process_commands(Cli& cli) {
  cli.app.add_flag("--json", cli.json, "Print the list, tree or process details as JSON");

  cli.default_action = [&cli] {
    auto r = scan(cli);
    return print(cli.json ? list_json(r.processes).dump(2) + "\n" : format_list(r.processes));
  };

  auto* tree = cli.add_command("tree", "Display a process tree of the Go processes and agents.");
  tree->callback([&cli] {
    cli.action = [&cli] {
      auto r = scan(cli);
      return print(cli.json ? tree_json(r.processes).dump(2) + "\n" : format_tree(r.processes));
    };
  });

  auto pid = std::make_shared<std::string>();
  auto period = std::make_shared<std::string>();
  auto* process = cli.add_command("process", "Prints information about a process (also: gops <pid> [period]).",
                                  [pid, period](CLI::App& sub) {
                                    sub.add_option("pid", *pid, "Process ID")->required();
                                    sub.add_option("period", *period,
                                                   "Also measure CPU usage over this period (2s, 1m30s, 500ms, or seconds)");
                                  },
                                  {"pid", "proc"});
  process->callback([&cli, pid, period] {
    cli.action = [&cli, pid, period] { return show_process(cli, *pid, *period); };
  });
}

}  // namespace gops::cli
