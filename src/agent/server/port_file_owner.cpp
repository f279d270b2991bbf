#include "agent/server/port_file_owner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "protocol/port_file.hpp"

namespace gops::agent {
namespace {

// Read by signal handlers: a fixed buffer, published before the owner pid.
char g_path[4096];
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
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *failed = dir;
    return ENOTDIR;
  }
  return 0;
}

bool ignorable(int err) { return err == EROFS || err == EPERM || err == EACCES; }

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

Status publish_port_file(const std::string& dir, std::uint16_t port, bool* written) {
  *written = false;
  std::string path = protocol::port_file_path(dir, static_cast<int>(::getpid()));
  if (path.size() >= sizeof g_path) return Error{"port file path too long: " + path.substr(0, 80) + "..."};
  std::string failed;
  if (int err = make_private_dirs(dir, &failed); err != 0) {
    if (ignorable(err)) return Ok{};
    return Error{"cannot create port file dir " + failed + ": " + std::strerror(err)};
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (ignorable(errno)) return Ok{};
    return Error{"cannot write port file " + path + ": " + std::strerror(errno)};
  }
  std::string text = std::to_string(port);
  ::fchmod(fd, 0600);  // an old file of ours may have had other bits
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int write_errno = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(path.c_str());
    return Error{"cannot write port file " + path + ": " + std::strerror(write_errno)};
  }
  disown_port_file();
  std::memcpy(g_path, path.c_str(), path.size() + 1);
  g_owner.store(::getpid(), std::memory_order_release);
  *written = true;
  return Ok{};
}

void remove_port_file() noexcept {
  pid_t owner = g_owner.exchange(0, std::memory_order_acq_rel);
  if (owner != 0 && owner == ::getpid()) ::unlink(g_path);
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
