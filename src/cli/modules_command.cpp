// `gops modules <pid|file>`: the Go version and module info of a binary, as
// `go version -m FILE` prints it.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "binfmt/go_info.hpp"
#include "cli/cli.hpp"
#include "proc/process.hpp"

namespace gops::cli {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

int show_modules(const std::string& target) {
  // A number is a PID (read through /proc/PID/exe, which works for deleted
  // binaries too), unless a file of that name is what was meant.
  std::string shown = target, read_from = target;
  if (all_digits(target) && ::access(target.c_str(), F_OK) != 0) {
    int pid = std::stoi(target);
    auto path = proc::exe_path(pid);
    if (!path) return fail(path.message());
    shown = *path;
    read_from = "/proc/" + target + "/exe";
  }
  auto info = binfmt::read_go_info_file(read_from);
  if (!info) return fail(shown + ": " + info.message());
  std::string text = binfmt::format_version_m(shown, *info);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void add_modules_command(Cli& cli) {
  auto* modules = cli.app.add_subcommand("modules", "Prints the Go version and modules of a process or binary (as go version -m).");
  auto target = std::make_shared<std::string>();
  modules->add_option("target", *target, "PID or path of a binary")->required();
  modules->callback([&cli, target] { cli.action = [target] { return show_modules(*target); }; });
}

}  // namespace gops::cli
