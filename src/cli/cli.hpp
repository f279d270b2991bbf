// The gops command line: one CLI11 app; each command family registers its
// subcommands here and leaves the chosen action to run after parsing.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace gops::cli {

// An action runs after a successful parse and returns the exit code.
using Action = std::function<int()>;

struct Cli {
  CLI::App app{"gops is a tool to list and diagnose Go and C++ processes.", "gops"};
  bool verbose = false;
  bool json = false;      // --json: list, tree and process print JSON
  Action action;          // set by the subcommand the user chose
  Action default_action;  // `gops` without a subcommand: the process list
  // The first word on the command line that is not an option: the
  // subcommand, if any. Options are registered only for the subcommands
  // that can use them (see registers_options_of).
  std::string chosen;
  // Set to `chosen` when that is an agent command with nothing before it
  // that needs the whole app (--help): then only that subcommand is
  // registered at all.
  std::string narrowed_to;

  // Registering a CLI11 option costs as much as a round trip to an agent
  // (gops' start-up was half option registration), so a command's options
  // are added only when that command runs, or when `completion` needs them
  // all.
  bool registers_options_of(std::string_view name) const { return chosen == name || chosen == "completion"; }
  bool registers(std::string_view name) const { return narrowed_to.empty() || narrowed_to == name; }
};

// process_commands.cpp: list (default), tree, process|pid|proc, modules.
void add_process_commands(Cli& cli);
// modules_command.cpp: modules <pid|file>, as `go version -m`.
void add_modules_command(Cli& cli);
// agent_commands.cpp: stack, gc, setgc, memstats, stats, version, trace,
// pprof-cpu, pprof-heap, and completion.
void add_agent_commands(Cli& cli);
bool is_agent_command(std::string_view name);
// completion_command.cpp: completion bash|zsh|fish.
void add_completion_command(Cli& cli);

// Prints "gops: MESSAGE" on stderr; returns the exit code to use (1).
int fail(const std::string& message);

}  // namespace gops::cli
