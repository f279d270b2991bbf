// Inflated debug files kept between runs of the CLI, as debuginfod's client
// keeps what it downloads: in $XDG_CACHE_HOME/gops/debug, else
// ~/.cache/gops/debug. Inflating libc's compressed DWARF is most of what a
// cold `gops stack` of a C or C++ process spends on symbols; from the
// second run on, the copy is mapped from the page cache instead.
//
// An entry is named by its source file's identity (device, inode, size,
// modification time): a replaced or upgraded file gets a new name, and the
// old entry ages out. At most kMaxBytes and kMaxEntries in all: storing an
// entry first removes the least recently used ones (finding an entry marks
// it used).
//
// Used only where that is safe for this user: each directory from the base
// down is opened without following a symlink and must be owned by this
// user and writable by no one else (so root, whose HOME `sudo -E` may have
// left pointing at another user's, never writes into that user's tree);
// an entry must be a regular file of this user's, mode 0600, with one
// link. New entries are written to a temporary file and renamed into
// place. Anything unexpected means no cache, never an error.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>

namespace gops::symbolize {

class DebugCache {
 public:
  static constexpr std::uint64_t kMaxBytes = std::uint64_t{512} << 20;
  static constexpr std::size_t kMaxEntries = 64;

  // The user's cache dir (created if missing), or nullptr if there is none
  // usable.
  static std::unique_ptr<DebugCache> open_default();
  // The same under `base` (which must exist and be this user's), with
  // other bounds: for tests.
  static std::unique_ptr<DebugCache> open_under(const std::string& base, std::uint64_t max_bytes = kMaxBytes,
                                                std::size_t max_entries = kMaxEntries);
  ~DebugCache();
  DebugCache(const DebugCache&) = delete;
  DebugCache& operator=(const DebugCache&) = delete;

  // A descriptor of the inflated copy of `source` (a file's fstat), or -1.
  int find(const struct stat& source) const;
  // Keeps the first `size` bytes of `fd` (read from offset 0, the
  // descriptor's own offset left alone) as the copy of `source`.
  void store(const struct stat& source, int fd, std::uint64_t size) const;

 private:
  // gops/debug under the directory `base` (ours, checked; closed here).
  static std::unique_ptr<DebugCache> open_in(int base, std::uint64_t max_bytes, std::size_t max_entries);
  DebugCache(int dir, std::uint64_t max_bytes, std::size_t max_entries)
      : dir_(dir), max_bytes_(max_bytes), max_entries_(max_entries) {}
  void make_room(std::uint64_t size) const;

  int dir_;
  std::uint64_t max_bytes_;
  std::size_t max_entries_;
};

}  // namespace gops::symbolize
