#include "common/errno_text.hpp"
#include "agent/server/port_file_owner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "protocol/port_file.hpp"

namespace gops::agent {
namespace {

// Read by signal handlers: fixed buffers, published before the owner pid.
char g_path[4096];
dev_t g_dev = 0;  // the file written, so that nothing else is removed
ino_t g_ino = 0;
std::atomic<pid_t> g_owner{0};  // 0: nothing armed
static_assert(std::atomic<pid_t>::is_always_lock_free);

// Returns 0 or the errno of the failing step, naming the path in `failed`.
int make_private_dirs(const std::string& dir, std::string* failed) {
  // Each missing component is created 0700; existing ones are left alone
  // (they may be shared, e.g. $HOME/.config).
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      int err = errno;
      *failed = part;
      return err;
    }
  }
  return 0;
}


// A name of our own beside the port file: ".PID.XXXXXX" (never a PID, so
// the CLI's list does not take it for a port file).
std::string temporary_name(pid_t pid, unsigned attempt) {
  unsigned char random[4] = {};
  if (::getrandom(random, sizeof random, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof random))
    std::memcpy(random, &attempt, sizeof random);
  char name[64];
  std::snprintf(name, sizeof name, ".%d.%02x%02x%02x%02x%u", static_cast<int>(pid), random[0], random[1], random[2],
                random[3], attempt);
  return name;
}

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGQUIT};
struct sigaction g_previous[3];

int index_of(int sig) {
  for (int i = 0; i < 3; ++i)
    if (kCleanupSignals[i] == sig) return i;
  return -1;
}

// Async-signal-safe: atomics, unlink, sigaction, raise.
extern "C" void on_cleanup_signal(int sig, siginfo_t* info, void* context) {
  int saved_errno = errno;
  int i = index_of(sig);
  if (i < 0) return;
  const struct sigaction& prev = g_previous[i];
  bool has_function = (prev.sa_flags & SA_SIGINFO) != 0 || (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN);
  if (!has_function && prev.sa_handler == SIG_IGN) {
    errno = saved_errno;  // the signal does not end the program: keep the file
    return;
  }
  remove_port_file();
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, info, context);
  } else if (has_function) {
    prev.sa_handler(sig);
  } else {
    // No handler before ours: die of this signal as the program would have.
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(sig, &dfl, nullptr);
    ::raise(sig);  // blocked while we run; delivered when we return
  }
  errno = saved_errno;
}

}  // namespace

std::string publish_port_file(const std::string& dir, std::uint16_t port) {
  const pid_t pid = ::getpid();
  std::string path = protocol::port_file_path(dir, static_cast<int>(pid));
  if (path.size() >= sizeof g_path) return "port file path too long: " + path.substr(0, 80) + "...";
  std::string failed;
  if (int err = make_private_dirs(dir, &failed); err != 0)
    return "cannot create port file dir " + failed + ": " + errno_text(err);
  int dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return "cannot open port file dir " + dir + ": " + errno_text(errno);
  struct DirCloser {
    int fd;
    ~DirCloser() { ::close(fd); }
  } closer{dir_fd};
  struct stat dir_st {};
  if (::fstat(dir_fd, &dir_st) != 0) return "cannot stat port file dir " + dir + ": " + errno_text(errno);
  if (dir_st.st_uid != ::geteuid() && dir_st.st_uid != 0)
    return "port file dir " + dir + " belongs to uid " + std::to_string(dir_st.st_uid) + ", not to this user";

  std::string temp;
  int fd = -1;
  for (unsigned attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = temporary_name(pid, attempt);
    fd = ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return "cannot write port file " + path + ": " + errno_text(errno);
  std::string text = std::to_string(port);
  struct stat st {};
  bool ok = ::fchmod(fd, 0600) == 0 &&  // exactly 0600, whatever the umask
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fstat(fd, &st) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  // rename() replaces the directory entry: what was planted there is not
  // opened, truncated or chmodded.
  if (ok && ::renameat(dir_fd, temp.c_str(), dir_fd, std::to_string(pid).c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return "cannot write port file " + path + ": " + errno_text(err);
  }
  disown_port_file();
  std::memcpy(g_path, path.c_str(), path.size() + 1);
  g_dev = st.st_dev;
  g_ino = st.st_ino;
  g_owner.store(pid, std::memory_order_release);
  return {};
}

void remove_port_file() noexcept {
  pid_t owner = g_owner.exchange(0, std::memory_order_acq_rel);
  if (owner == 0 || owner != ::getpid()) return;
  struct stat st {};
  if (::lstat(g_path, &st) == 0 && st.st_dev == g_dev && st.st_ino == g_ino) ::unlink(g_path);
}

void disown_port_file() noexcept { g_owner.store(0, std::memory_order_release); }

void install_cleanup_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int i = 0; i < 3; ++i) {
      struct sigaction ours{};
      ours.sa_sigaction = on_cleanup_signal;
      ours.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&ours.sa_mask);
      ::sigaction(kCleanupSignals[i], &ours, &g_previous[i]);
    }
  });
}

void remove_port_file_at_exit() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit([] { remove_port_file(); }); });
}

}  // namespace gops::agent
