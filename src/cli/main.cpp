// gops: lists and diagnoses Go and C++ processes. Parse, run, and make sure
// what was printed reached stdout.
#include <cerrno>
#include <cstdio>
#include <string>

#include "cli/cli.hpp"
#include "common/errno_text.hpp"

namespace {

// A full disk or a closed descriptor is an error, not a silent exit 0.
int finish_stdout(int code) {
  errno = 0;
  bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout)) return code;
  // A write that failed before (inside iostreams, say) leaves only the flag.
  gops::cli::fail(!flushed && errno != 0 ? "write to stdout: " + gops::errno_text(errno)
                                         : std::string("write to stdout failed"));
  return code == 0 ? 1 : code;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = gops::cli::normalize_args(argc, argv);
  gops::cli::Cli cli(args);
  gops::cli::add_commands(cli);
  if (auto done = cli.parse(args)) return finish_stdout(*done);
  return finish_stdout(cli.run());
}
