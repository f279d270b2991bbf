// The gops command line: one CLI11 app; each command family registers its
// subcommands here and leaves the chosen action to run after parsing.
#pragma once

#include <functional>
#include <string>

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
};

// process_commands.cpp: list (default), tree, process|pid|proc, modules.
void add_process_commands(Cli& cli);
// modules_command.cpp: modules <pid|file>, as `go version -m`.
void add_modules_command(Cli& cli);
// agent_commands.cpp: stack, gc, setgc, memstats, stats, version, trace,
// pprof-cpu, pprof-heap, and completion.
void add_agent_commands(Cli& cli);

// Prints "gops: MESSAGE" on stderr; returns the exit code to use (1).
int fail(const std::string& message);

}  // namespace gops::cli
