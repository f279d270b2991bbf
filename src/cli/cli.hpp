// The gops command line: one CLI11 app; each command family registers its
// subcommands here and leaves the chosen action to run after parsing.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace gops::cli {

// An action runs after a successful parse and returns the exit code.
using Action = std::function<int()>;

class Cli {
 public:
  // `args` as typed, after normalize_args(): the first word that is not an
  // option picks the subcommand, and with it what start-up must register.
  explicit Cli(const std::vector<std::string>& args);

  // Adds subcommand `name`. Registering a CLI11 option costs as much as a
  // round trip to an agent (gops' start-up was half option registration),
  // so this one function decides what a run registers: a short agent
  // command with nothing before it that needs the whole app (--help) gets
  // only itself registered (nullptr is returned for the others), and
  // `add_options` runs only for the command that runs, or for all of them
  // when `completion` needs them. `aliases` are other names for it.
  CLI::App* add_command(std::string_view name, std::string_view help,
                        const std::function<void(CLI::App&)>& add_options = {},
                        std::initializer_list<std::string_view> aliases = {});
  // Whether commands other than the chosen agent command are registered.
  bool registers_everything() const { return narrowed_to_.empty(); }

  // Parses `args`; returns an exit code when that is all there is to do
  // (help, version, a usage error), nullopt when an action is to run.
  std::optional<int> parse(const std::vector<std::string>& args);
  // Runs the chosen action (the list if none); returns its exit code.
  int run();

  CLI::App app{"gops is a tool to list and diagnose Go and C++ processes.", "gops"};
  bool verbose = false;
  bool json = false;      // --json: list, tree and process print JSON
  Action action;          // set by the subcommand the user chose
  Action default_action;  // `gops` without a subcommand: the process list

 private:
  std::string chosen_;       // the first word that is not an option
  std::string narrowed_to_;  // chosen_, when only it is registered
};

// `gops <pid> [period]` means `gops process <pid> [period]`, and `gops help`
// prints the help, as in the Go gops.
std::vector<std::string> normalize_args(int argc, char** argv);
// Registers every command family.
void add_commands(Cli& cli);

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
