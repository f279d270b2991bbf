// Opening a directory named by another process, as that process sees it.
//
// A process in a container names paths inside its own root and mount
// namespace; from the host those paths are reached through /proc/PID/root.
// The kernel follows /proc/PID/root into the container, but a symlink met
// on the way is resolved against the caller's root: a container's user
// could plant `.config -> /root/.config` and make root on the host read its
// own files as the container's. So every lookup here treats the given
// directory as "/": absolute symlinks restart there and ".." stops there.
//
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does that in the kernel
// (Linux 5.6). Where the kernel lacks it, a walk of our own does the same one
// component at a time: each component opened with O_PATH|O_NOFOLLOW under
// the directory held so far, symlinks read and spliced into the rest of the
// path, ".." taken lexically from the stack of directories walked (never by
// opening "..", so a directory moved meanwhile cannot lead out). Nothing is
// opened but O_PATH handles: no FIFO or device is ever opened.
#pragma once

#include <string_view>

#include "common/unique_fd.hpp"

namespace gops::container {

enum class Resolver {
  kAuto,     // openat2 where the kernel has it, else the walk
  kOpenat2,  // the kernel's only (ENOSYS where it has none)
  kWalk,     // ours only (tests compare the two)
};

struct OpenedDir {
  UniqueFd fd;    // an O_PATH descriptor of the directory
  int error = 0;  // else the errno: ENOENT, ENOTDIR, ELOOP, EACCES, ...
};

// Opens `path` as a directory beneath `root_fd`, which stands for "/" (and
// for the starting point of a relative path). Magic links (/proc/N/root and
// the like) are not followed by the kernel: openat2 refuses them (ELOOP),
// the walk reads them as plain links inside the root.
OpenedDir open_dir_in_root(int root_fd, std::string_view path, Resolver resolver = Resolver::kAuto);

}  // namespace gops::container
