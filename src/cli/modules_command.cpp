// `gops modules <pid|file>`: the Go version and module info of a binary, as
// `go version -m FILE` prints it.
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/pid.hpp"
#include "binfmt/go_info.hpp"
#include "cli/cli.hpp"
#include "proc/process.hpp"

namespace gops::cli {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "an unknown kind of file";
}

// The kernel's own file systems: their files are generated on read (and
// /proc/PID/mem, /proc/kcore, /sys/... are not executables either).
bool is_kernel_file_system(long type) {
  switch (type) {
    case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC: case BPF_FS_MAGIC:
    case EFIVARFS_MAGIC:
      return true;
    default:
      return false;
  }
}

// Only a regular file can be an executable. Checked without opening it: a
// FIFO would block the open, a device never ends (or acts on open), so the
// reader never sees them. Errors of stat itself are left to the reader.
Status check_regular_file(const std::string& path, const std::string& shown) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Ok{};
  if (!S_ISREG(st.st_mode)) return Error{shown + ": not a regular file (" + kind_of(st.st_mode) + ")"};
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) == 0 && is_kernel_file_system(static_cast<long>(fs.f_type)))
    return Error{shown + ": a file of a kernel file system (/proc, /sys), not an executable"};
  return Ok{};
}

int show_modules(const std::string& target) {
  // A number is a PID (read through /proc/PID/exe, which works for deleted
  // binaries too), unless a file of that name is what was meant.
  std::string shown = target, read_from = target;
  auto pid = parse_pid(target);
  if (pid && ::access(target.c_str(), F_OK) != 0) {
    auto path = proc::exe_path(*pid);
    if (!path) return fail(path.message());
    shown = *path;
    read_from = "/proc/" + target + "/exe";
  }
  if (auto s = check_regular_file(read_from, shown); !s) return fail(s.message());
  auto info = binfmt::read_go_info_file(read_from);
  if (!info) return fail(shown + ": " + info.message());
  std::string text = binfmt::format_version_m(shown, *info);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void add_modules_command(Cli& cli) {
  auto target = std::make_shared<std::string>();
  auto* modules = cli.add_command("modules", "Prints the Go version and modules of a process or binary (as go version -m).",
                                  [target](CLI::App& sub) { sub.add_option("target", *target, "PID or path of a binary")->required(); });
  modules->callback([&cli, target] { cli.action = [target] { return show_modules(*target); }; });
}

}  // namespace gops::cli
