// The list path: which PIDs exist, what binary each runs, what to call it.
#include <limits.h>
#include <unistd.h>

#include <cerrno>

#include "proc/proc_dir.hpp"
#include "proc/proc_file.hpp"
#include "proc/process.hpp"

namespace gops::proc {
namespace {

// Go's filepath.Base: trailing slashes dropped, "" -> ".", "///" -> "/".
std::string_view go_base(std::string_view path) {
  if (path.empty()) return ".";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return "/";
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<int> list_pids() {
  auto dir = ProcDir::open();
  return dir ? dir->pids() : std::vector<int>{};
}

Result<std::string> exe_path(int pid) {
  char buf[PATH_MAX + 16];
  detail::ProcPath path(pid, "exe");
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) {
    const int err = errno;
    // Kernel threads and zombies have no exe link, but do have a /proc dir.
    if (err == ENOENT && detail::pid_exists(pid))
      return Error{"PID " + std::to_string(pid) + " has no executable (a kernel thread or a zombie)"};
    return detail::proc_error(pid, "exe", err);
  }
  if (static_cast<std::size_t>(n) == sizeof buf)
    return Error{"the executable path of PID " + std::to_string(pid) + " is too long"};
  std::string_view target(buf, static_cast<std::size_t>(n));
  constexpr std::string_view kDeleted = " (deleted)";
  if (target.ends_with(kDeleted)) target.remove_suffix(kDeleted.size());
  return std::string(target);
}

std::string display_name(int pid, std::string_view comm) {
  // The kernel cuts names at 15 bytes; only then is argv[0] worth reading.
  constexpr std::size_t kCommMax = 15;
  if (comm.size() < kCommMax) return std::string(comm);
  // argv[0] almost always fits the stack buffer; only a longer one costs
  // reading the whole command line.
  char buf[4096];
  auto n = detail::read_into(pid, "cmdline", buf, sizeof buf);
  std::string whole;
  std::string_view args;
  if (n) {
    args = std::string_view(buf, *n);
  } else {
    auto all = detail::read_whole(pid, "cmdline");
    if (!all) return std::string(comm);
    whole = std::move(*all);
    args = whole;
  }
  if (args.empty()) return std::string(comm);  // a zombie or a kernel thread
  std::string_view argv0 = args.substr(0, args.find('\0'));
  std::string_view base = go_base(argv0);
  return std::string(base.starts_with(comm) ? base : comm);
}

}  // namespace gops::proc
