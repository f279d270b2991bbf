// gops: lists and diagnoses Go and C++ processes.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "common/errno_text.hpp"
#include "common/text.hpp"

namespace gops::cli {

int fail(const std::string& message) {
  // Messages carry names, paths and bytes from other users' files: one
  // line, nothing a terminal would act on.
  std::fprintf(stderr, "gops: %s\n", text::escape_for_terminal(message).c_str());
  return 1;
}

}  // namespace gops::cli

namespace {

// What was printed must have reached stdout: a full disk or a closed
// descriptor is an error, not a silent exit 0.
int finish_stdout(int code) {
  errno = 0;
  bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout)) return code;
  // A write that failed before (inside iostreams, say) leaves only the flag.
  gops::cli::fail(!flushed && errno != 0 ? "write to stdout: " + gops::errno_text(errno)
                                         : std::string("write to stdout failed"));
  return code == 0 ? 1 : code;
}

bool all_digits(const char* s) {
  if (*s == '\0') return false;
  for (; *s; ++s)
    if (!std::isdigit(static_cast<unsigned char>(*s))) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // As in the Go gops: `gops <pid> [period]` means `gops process <pid> [period]`,
  // and `gops help` prints the help.
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && all_digits(args[0].c_str())) args.insert(args.begin(), "process");
  if (!args.empty() && args[0] == "help") args[0] = "--help";

  gops::cli::Cli cli;
  bool asks_for_help = false;
  for (const auto& arg : args) {
    if (arg.empty() || arg[0] != '-') {
      cli.chosen = arg;
      break;
    }
    asks_for_help = asks_for_help || arg == "-h" || arg == "--help";
  }
  // A short agent command (`gops stats PID`) is one round trip: registering
  // every other command first would double its time.
  if (gops::cli::is_agent_command(cli.chosen) && !asks_for_help) cli.narrowed_to = cli.chosen;
  cli.app.set_version_flag("--version", "gops " GOPS_VERSION);
  cli.app.add_flag("-v,--verbose", cli.verbose, "Say what was skipped and why");
  cli.app.require_subcommand(0, 1);
  cli.app.fallthrough();
  if (cli.narrowed_to.empty()) {
    gops::cli::add_process_commands(cli);
    gops::cli::add_modules_command(cli);
  }
  gops::cli::add_agent_commands(cli);

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    cli.app.parse(reversed);  // CLI11 takes the arguments in reverse order
  } catch (const CLI::CallForHelp& e) {
    return finish_stdout(cli.app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return finish_stdout(cli.app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return finish_stdout(cli.app.exit(e));
  } catch (const CLI::ParseError& e) {
    // One line, as every other error: CLI11's own text adds a second.
    return gops::cli::fail(std::string(e.what()) + " (see gops --help)");
  }
  gops::cli::Action& action = cli.action ? cli.action : cli.default_action;
  if (!action) return gops::cli::fail("nothing to do");
  int code = 1;
  try {
    code = action();
  } catch (const std::exception& e) {
    code = gops::cli::fail(e.what());
  }
  return finish_stdout(code);
}
