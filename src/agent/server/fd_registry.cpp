#include "agent/server/fd_registry.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace gops::agent::fd_registry {
namespace {

std::mutex g_lock;
int g_fds[kCapacity];
int g_count = 0;

bool add_locked(int fd) {
  if (g_count == kCapacity) return false;
  g_fds[g_count++] = fd;
  return true;
}

}  // namespace

bool add(int fd) {
  std::lock_guard guard(g_lock);
  return add_locked(fd);
}

int accept_registered(int listen_fd) {
  std::lock_guard guard(g_lock);
  if (g_count == kCapacity) {
    errno = EMFILE;
    return -1;
  }
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) add_locked(fd);
  return fd;
}

void close_fd(int fd) {
  std::lock_guard guard(g_lock);
  for (int i = 0; i < g_count; ++i) {
    if (g_fds[i] == fd) {
      g_fds[i] = g_fds[--g_count];
      break;
    }
  }
  ::close(fd);
}

void lock() { g_lock.lock(); }
void unlock() { g_lock.unlock(); }

void close_all_in_child() noexcept {
  for (int i = 0; i < g_count; ++i) ::close(g_fds[i]);
  g_count = 0;
}

}  // namespace gops::agent::fd_registry
