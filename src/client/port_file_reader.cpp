#include "client/port_file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/errno_text.hpp"
#include "common/unique_fd.hpp"
#include "container/process_namespaces.hpp"

namespace gops::client {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

}  // namespace

bool PortFileOwners::allows(uid_t uid) const { return std::find(uids.begin(), uids.end(), uid) != uids.end(); }

PortFileOwners owners_from(const std::vector<uid_t>& uids) {
  PortFileOwners owners{{0}};
  for (uid_t uid : uids)
    if (!owners.allows(uid)) owners.uids.push_back(uid);
  if (uids.empty() && !owners.allows(::getuid())) owners.uids.push_back(::getuid());
  return owners;
}

PortFileOwners owners_of_process(int pid) { return owners_from(container::process_ids(pid).uids); }

Result<PortFileRead> read_port_file_at(int dir_fd, const std::string& name, const PortFileOwners& owners,
                                       const std::string& shown_path) {
  // O_PATH opens nothing: no FIFO wait, no device open, no symlink followed.
  UniqueFd handle(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (handle.get() < 0) {
    int err = errno;
    if (is_missing(err)) return PortFileRead{err, {}};
    return Error{"open " + shown_path + ": " + errno_text(err)};
  }
  struct stat st {};
  if (::fstat(handle.get(), &st) != 0) return Error{"stat " + shown_path + ": " + errno_text(errno)};
  if (!S_ISREG(st.st_mode))
    return Error{shown_path + " is " + kind_of(st.st_mode) + ", not a port file; not read"};
  if (!owners.allows(st.st_uid))
    return Error{shown_path + " belongs to uid " + std::to_string(st.st_uid) +
                 ", neither the process's user nor root; not read"};
  if (static_cast<std::uint64_t>(st.st_size) > kMaxPortFileSize)
    return Error{shown_path + " holds " + std::to_string(st.st_size) + " bytes, too many for a port file; not read"};

  // The very inode checked above, opened for reading.
  std::string self = "/proc/self/fd/" + std::to_string(handle.get());
  UniqueFd fd(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return Error{"open " + shown_path + ": " + errno_text(errno)};
  char buf[kMaxPortFileSize + 1];
  std::size_t used = 0;
  while (used < sizeof buf) {
    ssize_t n = ::read(fd.get(), buf + used, sizeof buf - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"read " + shown_path + ": " + errno_text(errno)};
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxPortFileSize) return Error{shown_path + " grew while being read; not a port file"};
  return PortFileRead{0, std::string(buf, used)};
}

Result<PortFileRead> read_port_file(const std::string& dir, const std::string& name, const PortFileOwners& owners) {
  std::string shown = dir + "/" + name;
  UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) {
    int err = errno;
    if (is_missing(err)) return PortFileRead{err, {}};
    return Error{"open " + shown + ": " + errno_text(err)};
  }
  return read_port_file_at(dir_fd.get(), name, owners, shown);
}

}  // namespace gops::client
