#include "cli/cli.hpp"

#include <cstdio>
#include <exception>

#include "common/text.hpp"

namespace gops::cli {

int fail(const std::string& message) {
  // Messages carry names, paths and bytes from other users' files: one
  // line, nothing a terminal would act on.
  std::fprintf(stderr, "gops: %s\n", text::escape_for_terminal(message).c_str());
  return 1;
}

namespace {

// Any number, valid PID or not: `gops 0` is `gops process 0`, which says
// it is not a PID.
bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

}  // namespace

std::vector<std::string> normalize_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && all_digits(args[0])) args.insert(args.begin(), "process");
  if (!args.empty() && args[0] == "help") args[0] = "--help";
  return args;
}

Cli::Cli(const std::vector<std::string>& args) {
  bool asks_for_help = false;
  for (const auto& arg : args) {
    if (arg.empty() || arg[0] != '-') {
      chosen_ = arg;
      break;
    }
    asks_for_help = asks_for_help || arg == "-h" || arg == "--help";
  }
  if (is_agent_command(chosen_) && !asks_for_help) narrowed_to_ = chosen_;
  app.set_version_flag("--version", "gops " GOPS_VERSION);
  app.add_flag("-v,--verbose", verbose, "Say what was skipped and why");
  app.require_subcommand(0, 1);
  app.fallthrough();
}

CLI::App* Cli::add_command(std::string_view name, std::string_view help,
                           const std::function<void(CLI::App&)>& add_options,
                           std::initializer_list<std::string_view> aliases) {
  if (!narrowed_to_.empty() && narrowed_to_ != name) return nullptr;
  CLI::App* sub = app.add_subcommand(std::string(name), std::string(help));
  bool chosen = chosen_ == name || chosen_ == "completion";
  for (std::string_view alias : aliases) {
    sub->alias(std::string(alias));
    chosen = chosen || chosen_ == alias;
  }
  if (add_options && chosen) add_options(*sub);
  return sub;
}

std::optional<int> Cli::parse(const std::vector<std::string>& args) {
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);  // CLI11 takes the arguments in reverse order
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as every other error: CLI11's own text adds a second.
    return fail(std::string(e.what()) + " (see gops --help)");
  }
  return std::nullopt;
}

int Cli::run() {
  Action& chosen_action = action ? action : default_action;
  if (!chosen_action) return fail("nothing to do");
  try {
    return chosen_action();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

void add_commands(Cli& cli) {
  if (cli.registers_everything()) {
    add_process_commands(cli);
    add_modules_command(cli);
  }
  add_agent_commands(cli);
}

}  // namespace gops::cli
