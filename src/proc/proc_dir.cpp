#include "common/pid.hpp"
#include "common/errno_text.hpp"
#include "common/prefault.hpp"
#include "proc/proc_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace gops::proc {
namespace {

// "PID" or "PID/NAME", relative to /proc, in a fixed buffer.
class RelativePath {
 public:
  RelativePath(int pid, const char* name) {
    char* p = std::to_chars(buf_, buf_ + 16, pid).ptr;
    if (name != nullptr) {
      *p++ = '/';
      const std::size_t n = std::strlen(name);
      std::memcpy(p, name, std::min(n, sizeof buf_ - 18));
      p += std::min(n, sizeof buf_ - 18);
    }
    *p = '\0';
  }
  const char* c_str() const { return buf_; }

 private:
  char buf_[48];
};


}  // namespace

Result<ProcDir> ProcDir::open(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{std::string("cannot open ") + path + ": " + errno_text(errno)};
  return ProcDir(fd);
}

ProcDir::ProcDir(ProcDir&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ProcDir& ProcDir::operator=(ProcDir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ProcDir::~ProcDir() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<int> ProcDir::pids() const {
  std::vector<int> pids;
  // A /proc entry takes 24 to 32 bytes: 64 KiB holds about 2000 of them,
  // so a few thousand processes cost a few calls (glibc's readdir would
  // read 32 KiB at a time).
  constexpr std::size_t kBufferSize = 64 * 1024;
  auto buf = std::make_unique_for_overwrite<char[]>(kBufferSize);
  prefault(buf.get(), kBufferSize);  // the kernel fills it at once: no fault per page
  // getdents64 continues from the descriptor's offset: start each listing
  // at the beginning, so the descriptor can be listed again.
  if (::lseek(fd_, 0, SEEK_SET) != 0) return pids;
  for (;;) {
    const ssize_t n = ::getdents64(fd_, buf.get(), kBufferSize);
    if (n <= 0) break;  // end, or an error: what was listed stands
    for (ssize_t off = 0; off < n;) {
      dirent64 entry;
      // Entries are 8-byte aligned in the buffer; copy the fixed part out
      // rather than cast, and read the name in place.
      std::memcpy(&entry, buf.get() + off, offsetof(dirent64, d_name));
      if (auto pid = parse_pid(buf.get() + off + offsetof(dirent64, d_name))) pids.push_back(*pid);
      off += entry.d_reclen;
    }
  }
  // /proc lists PIDs in ascending order already; sorting keeps the promise
  // without relying on it.
  if (!std::is_sorted(pids.begin(), pids.end())) std::sort(pids.begin(), pids.end());
  return pids;
}

Result<std::optional<ExeIdentity>> ProcDir::exe_identity(int pid) const {
  struct statx st;
  // Only these fields are asked for; procfs resolves the link and the
  // file's own filesystem answers.
  constexpr unsigned kMask = STATX_INO | STATX_SIZE | STATX_MTIME;
  if (::statx(fd_, RelativePath(pid, "exe").c_str(), AT_NO_AUTOMOUNT, kMask, &st) == 0) {
    return std::optional<ExeIdentity>(ExeIdentity{makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino,
                                                  static_cast<std::int64_t>(st.stx_size), st.stx_mtime.tv_sec,
                                                  st.stx_mtime.tv_nsec});
  }
  const int err = errno;
  // No link (a kernel thread or a zombie) or no process any more.
  if (err == ENOENT || err == ESRCH) return std::optional<ExeIdentity>();
  // A process that exits while its link is followed fails the access check
  // (EACCES) like another user's process does: it is gone, not hidden.
  struct stat dir;
  if ((err == EACCES || err == EPERM) && ::fstatat(fd_, RelativePath(pid, nullptr).c_str(), &dir, 0) != 0)
    return std::optional<ExeIdentity>();
  return Error{"/proc/" + std::to_string(pid) + "/exe: " + errno_text(err)};
}

}  // namespace gops::proc
