#include "common/errno_text.hpp"
#include "binfmt/file_image.hpp"
#include "common/prefault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gops::binfmt {

// Bump allocation in blocks that are kept when the arena is reset, so the
// pages a file touched serve the next file. Requests larger than a block
// (whole symbol tables, a fat binary's slice) get their own allocation,
// freed on reset.
class FileArena {
 public:
  std::uint8_t* allocate(std::size_t n) {
    if (n > kBlock) {
      large_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(n));
      return large_.back().get();
    }
    if (block_ < blocks_.size() && used_ + n > kBlock) {
      ++block_;
      used_ = 0;
    }
    if (block_ == blocks_.size()) {
      blocks_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(kBlock));
      prefault(blocks_.back().get(), kPrefault);
    }
    std::uint8_t* p = blocks_[block_].get() + used_;
    used_ += n;
    return p;
  }

  void reset() {
    block_ = 0;
    used_ = 0;
    large_.clear();
  }

  bool in_use = false;

 private:
  // The list needs about 80 KiB of an executable; a block holds that with
  // room for the symbol lookups of old Go binaries.
  static constexpr std::size_t kBlock = 256 * 1024;
  // What the list uses of a block, made present at once
  // (common/prefault.hpp): about 25 page faults fewer a run.
  static constexpr std::size_t kPrefault = 96 * 1024;
  std::vector<std::unique_ptr<std::uint8_t[]>> blocks_;
  std::size_t block_ = 0;
  std::size_t used_ = 0;
  std::vector<std::unique_ptr<std::uint8_t[]>> large_;
};

namespace {

constexpr std::uint64_t kPage = 4096;

thread_local FileArena t_arena;

}  // namespace

Result<std::unique_ptr<FileImage>> FileImage::open(const std::string& path) {
  // O_NONBLOCK: a FIFO put where an executable was expected must not hang
  // the open; fstat refuses it below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Error{"open " + path + ": " + errno_text(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Error{"stat " + path + ": " + errno_text(err)};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{path + ": not a regular file"};
  }
  return std::unique_ptr<FileImage>(new FileImage(fd, static_cast<std::uint64_t>(st.st_size)));
}

FileImage::FileImage(int fd, std::uint64_t size) : fd_(fd), size_(size) {
  if (!t_arena.in_use) {
    arena_ = &t_arena;
  } else {  // a second image alive on this thread: an arena of its own
    own_arena_ = std::make_unique<FileArena>();
    arena_ = own_arena_.get();
  }
  arena_->in_use = true;
}

FileImage::~FileImage() {
  arena_->reset();
  arena_->in_use = false;
  ::close(fd_);
}

const std::uint8_t* FileImage::load(std::uint64_t offset, std::uint64_t length) const {
  static const std::uint8_t kNothing = 0;
  if (length == 0) return &kNothing;
  const std::uint64_t end = offset + length;  // ByteView checked it against the size
  // Recent pieces first: readers walk a table, then the entries in it.
  for (auto it = pieces_.rbegin(); it != pieces_.rend(); ++it) {
    if (offset >= it->offset && end <= it->offset + it->length) return it->bytes + (offset - it->offset);
  }
  // Whole pages, so that the neighbouring small reads (one header after
  // another) find their bytes already here.
  const std::uint64_t from = offset / kPage * kPage;
  const std::uint64_t to = std::min(size_, (end + kPage - 1) / kPage * kPage);
  std::uint8_t* bytes = arena_->allocate(static_cast<std::size_t>(to - from));
  for (std::uint64_t at = from; at < to;) {
    ssize_t n = ::pread(fd_, bytes + (at - from), to - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;  // an I/O error, or the file shrank under us
    at += static_cast<std::uint64_t>(n);
  }
  pieces_.push_back({from, to - from, bytes});
  return bytes + (offset - from);
}

}  // namespace gops::binfmt
