#include "client/dump_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/errno_text.hpp"
#include "client/interrupt_cleanup.hpp"

namespace gops::client {
namespace {

std::string temp_dir() {
  const char* d = std::getenv("TMPDIR");
  return d && *d ? d : "/tmp";
}

Error errno_error(const std::string& what, const std::string& path, int err = errno) {
  return Error{what + " " + path + ": " + errno_text(err)};
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file to write into";
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// "dir/name" -> {"dir", "name"}; "name" -> {".", "name"}; "/name" -> {"/", "name"}.
std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[6];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    auto seed = static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(&bytes));
    for (auto& b : bytes) b = static_cast<unsigned char>(seed = seed * 1103515245u + 12345u);
  }
  std::string out;
  for (unsigned char b : bytes) out += kChars[b % (sizeof kChars - 1)];
  return out;
}

// A new file NAME.partXXXXXX in dir_fd, exclusively ours; its name in `name`.
int create_part_file(int dir_fd, const std::string& final_name, std::string* name, int* err) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    *name = final_name + ".part" + random_suffix();
    int fd = ::openat(dir_fd, name->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST) {
      *err = errno;
      return fd;
    }
  }
  *err = EEXIST;
  return -1;
}

mode_t current_umask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

// Moves `from` to `to` in dir_fd unless `to` exists; EEXIST if it does.
int rename_no_replace(int dir_fd, const char* from, const char* to) {
  if (::renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A file system without RENAME_NOREPLACE: link() also refuses to replace.
  if (::linkat(dir_fd, from, dir_fd, to, 0) == 0) {
    ::unlinkat(dir_fd, from, 0);
    return 0;
  }
  return errno;
}

}  // namespace

Result<DumpFile> DumpFile::temporary(std::string_view prefix) {
  std::string tmpl = temp_dir() + "/" + std::string(prefix) + "XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return errno_error("create temporary file", tmpl);
  DumpFile f;
  f.mode_ = Mode::kTemporary;
  f.fd_ = fd;
  f.path_ = tmpl;
  f.dir_fd_ = AT_FDCWD;
  f.part_name_ = tmpl;
  f.cleanup_slot_ = interrupt_cleanup::arm(AT_FDCWD, f.part_name_.c_str());
  return f;
}

Result<DumpFile> DumpFile::at(const std::string& path) {
  if (path.empty()) return Error{"empty output path"};
  DumpFile f;
  f.path_ = path;
  auto stream_into = [&](int fd, bool owned) -> Result<DumpFile> {
    f.mode_ = Mode::kStream;
    f.fd_ = fd;
    f.owns_fd_ = owned;
    f.to_stdout_ = fd == STDOUT_FILENO;
    if (f.to_stdout_) std::fflush(stdout);  // what was printed before comes first
    return std::move(f);
  };
  if (path == "-") return stream_into(STDOUT_FILENO, false);

  // The kernel follows a symlink here, with its own protections (a link in
  // a sticky world-writable directory is not followed into another user's
  // file). O_NONBLOCK: a FIFO without a reader answers ENXIO at once.
  int probe = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (probe < 0) {
    int err = errno;
    struct stat st {};
    if (err == ENXIO && ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
      // As `> FIFO` does: wait for a reader.
      int fd;
      do {
        fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      } while (fd < 0 && errno == EINTR);
      if (fd < 0) return errno_error("open", path);
      return stream_into(fd, true);
    }
    if (err == ENXIO && ::stat(path.c_str(), &st) == 0) return Error{"cannot write to " + path + ": it is " + kind_of(st.st_mode)};
    if (err == EISDIR) return Error{"cannot write to " + path + ": it is a directory"};
    if (err != ENOENT) return errno_error("open", path, err);
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return Error{path + " is a symbolic link to nothing; not followed"};
    // Nothing there: a new file.
    auto [dir, name] = split_path(path);
    if (name.empty() || name == "." || name == "..") return Error{"cannot write to " + path + ": not a file name"};
    f.mode_ = Mode::kCreate;
    f.final_name_ = name;
    f.new_mode_ = 0666 & ~current_umask();
    f.dir_fd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (f.dir_fd_ < 0) return errno_error("create", path + ".partXXXXXX");
  } else {
    struct stat st {};
    if (::fstat(probe, &st) != 0) {
      int err = errno;
      ::close(probe);
      return errno_error("stat", path, err);
    }
    // Our own stdout or stderr under another name (/dev/stdout, /dev/fd/1,
    // whether a pipe, a terminal or a file): write through that descriptor,
    // as `-`, so that the messages can keep out of the data's way.
    for (int own : {STDOUT_FILENO, STDERR_FILENO}) {
      struct stat own_st {};
      if (::fstat(own, &own_st) == 0 && same_file(st, own_st)) {
        ::close(probe);
        return stream_into(own, false);
      }
    }
    if (!S_ISREG(st.st_mode)) {
      // A device, a FIFO with a reader, a terminal: write into it.
      ::fcntl(probe, F_SETFL, ::fcntl(probe, F_GETFL) & ~O_NONBLOCK);
      return stream_into(probe, true);
    }
    // A regular file: the one the path leads to (through any symlinks) is
    // replaced once the data is complete.
    char target[4096];
    std::string self = "/proc/self/fd/" + std::to_string(probe);
    ssize_t n = ::readlink(self.c_str(), target, sizeof target - 1);
    ::close(probe);
    if (n <= 0 || target[0] != '/') return Error{"cannot find where " + path + " is on disk"};
    auto [dir, name] = split_path(std::string(target, static_cast<std::size_t>(n)));
    f.mode_ = Mode::kReplace;
    f.final_name_ = name;
    f.old_dev_ = st.st_dev;
    f.old_ino_ = st.st_ino;
    f.old_uid_ = st.st_uid;
    f.old_gid_ = st.st_gid;
    f.new_mode_ = st.st_mode & 0777;
    f.dir_fd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat again {};
    if (f.dir_fd_ < 0 || ::fstatat(f.dir_fd_, name.c_str(), &again, AT_SYMLINK_NOFOLLOW) != 0 ||
        !same_file(st, again))
      return Error{path + " changed while it was being opened; not replaced"};
  }
  int err = 0;
  f.fd_ = create_part_file(f.dir_fd_, f.final_name_, &f.part_name_, &err);
  if (f.fd_ < 0) return errno_error("create", path + ".partXXXXXX", err);
  f.cleanup_slot_ = interrupt_cleanup::arm(f.dir_fd_, f.part_name_.c_str());
  return f;
}

DumpFile::DumpFile(DumpFile&& other) noexcept
    : mode_(other.mode_),
      fd_(std::exchange(other.fd_, -1)),
      owns_fd_(other.owns_fd_),
      to_stdout_(other.to_stdout_),
      path_(std::move(other.path_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      final_name_(std::move(other.final_name_)),
      part_name_(std::move(other.part_name_)),
      old_dev_(other.old_dev_),
      old_ino_(other.old_ino_),
      new_mode_(other.new_mode_),
      old_uid_(other.old_uid_),
      old_gid_(other.old_gid_),
      cleanup_slot_(std::exchange(other.cleanup_slot_, -1)),
      committed_(std::exchange(other.committed_, true)) {}  // nothing left for the moved-from object

DumpFile::~DumpFile() {
  if (!committed_) discard();
  if (fd_ >= 0 && owns_fd_) ::close(fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void DumpFile::discard() noexcept {
  if (mode_ != Mode::kStream && !part_name_.empty()) ::unlinkat(dir_fd_, part_name_.c_str(), 0);
  interrupt_cleanup::disarm(cleanup_slot_);
  cleanup_slot_ = -1;
}

Status DumpFile::write(std::span<const char> bytes) {
  const std::string& shown = mode_ == Mode::kStream ? path_ : part_name_;
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {  // a non-blocking stdout we were given
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (n < 0) return errno_error("write", shown);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return Ok{};
}

Status DumpFile::commit() {
  if (committed_) return Ok{};
  const std::string shown = mode_ == Mode::kStream ? path_ : part_name_;
  if (mode_ == Mode::kReplace && ::geteuid() == 0 && (old_uid_ != ::geteuid() || old_gid_ != ::getegid())) {
    // Root replacing another user's file: it stays theirs, as `>` keeps it.
    [[maybe_unused]] int rc = ::fchown(fd_, old_uid_, old_gid_);
  }
  if ((mode_ == Mode::kReplace || mode_ == Mode::kCreate) && ::fchmod(fd_, new_mode_) != 0)
    return errno_error("chmod", shown);
  int fd = std::exchange(fd_, -1);
  if (owns_fd_ && ::close(fd) != 0) return errno_error("write", shown);

  if (mode_ == Mode::kReplace) {
    struct stat now {};
    if (::fstatat(dir_fd_, final_name_.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_dev != old_dev_ ||
        now.st_ino != old_ino_)
      return Error{path_ + " was replaced by someone else while the data arrived; not overwritten"};
    if (::renameat(dir_fd_, part_name_.c_str(), dir_fd_, final_name_.c_str()) != 0)
      return errno_error("rename " + part_name_ + " to", path_);
  } else if (mode_ == Mode::kCreate) {
    int err = rename_no_replace(dir_fd_, part_name_.c_str(), final_name_.c_str());
    if (err == EEXIST) return Error{path_ + " appeared while the data arrived; not overwritten"};
    if (err != 0) return errno_error("rename " + part_name_ + " to", path_, err);
  }
  interrupt_cleanup::disarm(cleanup_slot_);
  cleanup_slot_ = -1;
  committed_ = true;
  return Ok{};
}

void DumpFile::remove() {
  if (committed_ && mode_ == Mode::kTemporary) ::unlink(path_.c_str());
}

}  // namespace gops::client
