#include "symbolize/debug_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <tuple>
#include <vector>

namespace gops::symbolize {
namespace {

constexpr char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};

// A directory of this user's that no one else may write to.
bool ours(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 022) == 0;
}

// parent/name as a directory of ours, made (0700) if missing, never
// through a symlink; -1 if it is not one. Closes `parent`.
int descend(int parent, const char* name) {
  int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && ::mkdirat(parent, name, 0700) == 0)
    fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  ::close(parent);
  if (fd >= 0 && !ours(fd)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string entry_name(const struct stat& source) {
  char name[128];
  std::snprintf(name, sizeof name, "%llx-%llx-%llx-%llx.%09ld.debug", static_cast<unsigned long long>(source.st_dev),
                static_cast<unsigned long long>(source.st_ino), static_cast<unsigned long long>(source.st_size),
                static_cast<unsigned long long>(source.st_mtim.tv_sec), static_cast<long>(source.st_mtim.tv_nsec));
  return name;
}

// An entry as it must be: a regular file of ours, 0600, one link.
bool sound_entry(const struct stat& st) {
  return S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && st.st_nlink == 1 && (st.st_mode & 077) == 0;
}

}  // namespace

std::unique_ptr<DebugCache> DebugCache::open_default() {
  // $XDG_CACHE_HOME as given (an absolute path), else ~/.cache.
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') return open_under(xdg);
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr && env[0] == '/') {
    home = env;
  } else if (passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_dir[0] == '/') {
    home = pw->pw_dir;
  } else {
    return nullptr;
  }
  int fd = ::open(home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 && !ours(fd)) {
    ::close(fd);
    return nullptr;
  }
  return fd < 0 ? nullptr : open_in(descend(fd, ".cache"), kMaxBytes, kMaxEntries);
}

std::unique_ptr<DebugCache> DebugCache::open_under(const std::string& base, std::uint64_t max_bytes,
                                                   std::size_t max_entries) {
  int fd = ::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 && !ours(fd)) {
    ::close(fd);
    return nullptr;
  }
  return open_in(fd, max_bytes, max_entries);
}

std::unique_ptr<DebugCache> DebugCache::open_in(int base, std::uint64_t max_bytes, std::size_t max_entries) {
  if (base < 0) return nullptr;
  int fd = descend(base, "gops");
  if (fd >= 0) fd = descend(fd, "debug");
  if (fd < 0) return nullptr;
  return std::unique_ptr<DebugCache>(new DebugCache(fd, max_bytes, max_entries));
}

DebugCache::~DebugCache() { ::close(dir_); }

int DebugCache::find(const struct stat& source) const {
  int fd = ::openat(dir_, entry_name(source).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  char magic[sizeof kElfMagic] = {};
  if (::fstat(fd, &st) != 0 || !sound_entry(st) || ::pread(fd, magic, sizeof magic, 0) != sizeof magic ||
      std::memcmp(magic, kElfMagic, sizeof magic) != 0) {
    ::close(fd);
    return -1;
  }
  ::futimens(fd, nullptr);  // used now: the last to be removed
  return fd;
}

void DebugCache::store(const struct stat& source, int fd, std::uint64_t size) const {
  if (size > max_bytes_ / 2) return;
  make_room(size);
  static std::atomic<unsigned> serial{0};
  char temp[64];
  std::snprintf(temp, sizeof temp, ".new-%d-%u", static_cast<int>(::getpid()), serial.fetch_add(1));
  int out = ::openat(dir_, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) return;
  off_t at = 0;
  bool ok = true;
  while (ok && static_cast<std::uint64_t>(at) < size) {
    ssize_t n = ::sendfile(out, fd, &at, static_cast<std::size_t>(size - static_cast<std::uint64_t>(at)));
    ok = n > 0 || (n < 0 && errno == EINTR);
  }
  ok = ::close(out) == 0 && ok;
  if (!ok || ::renameat(dir_, temp, dir_, entry_name(source).c_str()) != 0) ::unlinkat(dir_, temp, 0);
}

// Removes the least recently used entries until one of `size` bytes fits,
// and temporary files that a run killed half way left behind.
void DebugCache::make_room(std::uint64_t size) const {
  int fd = ::dup(dir_);
  if (fd < 0) return;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return;
  }
  ::rewinddir(dir);
  struct Entry {
    std::time_t used;
    std::uint64_t bytes;
    std::string name;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  const std::time_t now = std::time(nullptr);
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dir_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != ::geteuid()) continue;
    if (name.starts_with(".new-")) {
      if (S_ISREG(st.st_mode) && now - st.st_mtim.tv_sec > 3600) ::unlinkat(dir_, name.c_str(), 0);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    entries.push_back({st.st_mtim.tv_sec, static_cast<std::uint64_t>(st.st_size), std::move(name)});
    total += static_cast<std::uint64_t>(st.st_size);
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return std::tie(a.used, a.name) < std::tie(b.used, b.name); });
  std::size_t count = entries.size();
  for (const Entry& e : entries) {
    if (total + size <= max_bytes_ && count + 1 <= max_entries_) break;
    if (::unlinkat(dir_, e.name.c_str(), 0) == 0) {
      total -= e.bytes;
      --count;
    }
  }
}

}  // namespace gops::symbolize
