// Whether a thread of this process is blocked in a given system call now,
// from /proc/self/task/TID/syscall ("NR args... sp pc" while blocked in a
// call, "running" while it runs). How a test, or a host program it drives,
// waits for a thread to be where it is to be observed (asleep in poll(),
// parked on a futex) instead of sleeping and hoping. Header-only: the host
// programs use it without the test support library.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace gops::test {

inline bool blocked_in_syscall(pid_t tid, long nr) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", static_cast<int>(tid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  char* end = nullptr;
  long got = std::strtol(buf, &end, 10);
  return end != buf && got == nr;
}

// Waits (1 ms naps) until thread `tid` is blocked in system call `nr`; false
// after `timeout`.
inline bool wait_until_blocked_in(pid_t tid, long nr, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!blocked_in_syscall(tid, nr)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline pid_t current_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace gops::test
