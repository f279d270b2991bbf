// Reading a port file that someone else may have planted. Root reads the
// port files of other users' processes, in directories named by those
// processes' environments, so each step assumes a hostile directory:
//
//  - the file is looked up with O_PATH|O_NOFOLLOW, which opens nothing: a
//    symlink is refused, and a FIFO or device is never opened (no hang, no
//    driver's open());
//  - it must be a regular file of at most kMaxPortFileSize bytes, owned by
//    the target process's user or root;
//  - only then is it opened for reading (through /proc/self/fd, the very
//    inode checked), O_NONBLOCK, and at most that many bytes read.
//
// Each step is a bounded, non-blocking system call. The caller shows the
// contents only through its one-line error path, which escapes them.
//
// Takes a directory fd so that other roots (a container's /proc/PID/root)
// can use the same rules.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace gops::client {

// A port file holds a decimal port, perhaps with whitespace around it.
inline constexpr std::size_t kMaxPortFileSize = 64;

// Who may own a port file: the target process's user ids, and root.
struct PortFileOwners {
  std::vector<uid_t> uids;
  bool allows(uid_t uid) const;
};

// The real, effective, saved and file-system uids of PID (from
// /proc/PID/status), plus root. With the status unreadable: root and our
// own user.
PortFileOwners owners_of_process(int pid);

// Root and the given uids (a process's, as container::process_ids reads
// them); with none given, root and our own user.
PortFileOwners owners_from(const std::vector<uid_t>& uids);

struct PortFileRead {
  // ENOENT or ENOTDIR when there is no such file (the caller words that as
  // the Go gops does); 0 when `contents` were read.
  int missing = 0;
  std::string contents;
};

// Reads `name` in `dir_fd` under the rules above. `shown_path` names the
// file in messages.
Result<PortFileRead> read_port_file_at(int dir_fd, const std::string& name, const PortFileOwners& owners,
                                       const std::string& shown_path);

// Opens `dir` (O_PATH|O_DIRECTORY, following symlinks as a path lookup
// does) and reads `dir`/`name` with read_port_file_at.
Result<PortFileRead> read_port_file(const std::string& dir, const std::string& name, const PortFileOwners& owners);

}  // namespace gops::client
