// The whole of a file whose size is not known in advance (a /proc file),
// read through a close-on-exec descriptor: the agent's host may fork and
// exec on another thread meanwhile.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>

#include "common/unique_fd.hpp"

namespace gops {

// The rest of the open file `fd` appended to `out`, until `out` holds
// `limit` bytes; what lies past that is left unread. Reads until end of
// file, not until a short read: /proc's seq files return fewer bytes than
// asked before their end. 0, or the errno of the read that failed.
inline int read_all(int fd, std::string& out, std::size_t limit = std::string::npos) {
  char buf[16384];
  while (out.size() < limit) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (out.size() > limit) out.resize(limit);
  return 0;
}

// `path` read into `out` (replaced), as read_all reads: 0, or the errno of
// the open or read that failed.
inline int read_file(const char* path, std::string& out, std::size_t limit = std::string::npos) {
  out.clear();
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  return read_all(fd.get(), out, limit);
}

}  // namespace gops
