#include "common/errno_text.hpp"
#include "proc/proc_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace gops::proc::detail {
namespace {

// Closes the fd on every return path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// read(2) until EOF or the buffer is full; -1 with errno set on failure.
ssize_t read_fully(int fd, char* buf, std::size_t cap) {
  std::size_t got = 0;
  while (got < cap) {
    ssize_t n = ::read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

std::string pid_text(int pid) { return std::to_string(pid); }

}  // namespace

ProcPath::ProcPath(int pid, std::string_view name) {
  // "/proc/" + at most 11 chars of an int + "/" + name: names are short
  // literals chosen by this library, so truncation cannot happen in practice,
  // but it is still checked rather than assumed.
  char* p = buf_;
  char* end = buf_ + sizeof buf_ - 1;
  std::memcpy(p, "/proc/", 6);
  p += 6;
  p = std::to_chars(p, end, pid).ptr;
  if (!name.empty() && static_cast<std::size_t>(end - p) > name.size()) {
    *p++ = '/';
    std::memcpy(p, name.data(), name.size());
    p += name.size();
  }
  *p = '\0';
}

Error proc_error(int pid, std::string_view name, int err) {
  const std::string id = pid_text(pid);
  // ESRCH: the process died after open(); ENOENT: it was gone before.
  // ENOENT also means "no such link" (exe of a kernel thread), so only call
  // the process gone when its directory is gone too.
  if (err == ESRCH || (err == ENOENT && !pid_exists(pid))) return Error{"no process with PID " + id};
  if (err == EACCES || err == EPERM)
    // Another user's process, or one protected from this user even when
    // root (ptrace rules, another user namespace): say both.
    return Error{"permission denied reading /proc/" + id + "/" + std::string(name) + ": PID " + id +
                 " belongs to another user or is protected (run gops as its user or as root)"};
  return Error{"cannot read /proc/" + id + "/" + std::string(name) + ": " + errno_text(err)};
}

Result<std::size_t> read_into(int pid, std::string_view name, char* buf, std::size_t cap) {
  ProcPath path(pid, name);
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return proc_error(pid, name, errno);
  // One read: procfs makes these files whole on the first read and hands
  // over as much as the buffer holds, so a read that leaves room is the
  // whole file (a second read would only say end of file).
  ssize_t n;
  do {
    n = ::pread(f.fd, buf, cap, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return proc_error(pid, name, errno);
  if (static_cast<std::size_t>(n) == cap)
    return Error{"/proc/" + pid_text(pid) + "/" + std::string(name) + " is larger than expected"};
  return static_cast<std::size_t>(n);
}

namespace {

// Appends the rest of an open file to `out`; false with errno on failure.
bool append_all(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    ssize_t n = read_fully(fd, buf, sizeof buf);
    if (n < 0) return false;
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) return true;
  }
}

}  // namespace

Result<std::string> read_whole(int pid, std::string_view name) {
  ProcPath path(pid, name);
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return proc_error(pid, name, errno);
  std::string out;
  if (!append_all(f.fd, out)) return proc_error(pid, name, errno);
  return out;
}

Result<std::string> read_system_file(const char* path) {
  Fd f{::open(path, O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return Error{std::string("cannot read ") + path + ": " + errno_text(errno)};
  std::string out;
  if (!append_all(f.fd, out)) return Error{std::string("cannot read ") + path + ": " + errno_text(errno)};
  return out;
}

bool pid_exists(int pid) {
  struct stat st;
  return ::stat(ProcPath(pid, "").c_str(), &st) == 0;
}

}  // namespace gops::proc::detail
