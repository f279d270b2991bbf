#include "binfmt/file_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gops::binfmt {
namespace {

constexpr std::uint64_t kPage = 4096;

// The reused buffer: its pages, once touched, stay mapped, which is the point.
struct ThreadBuffer {
  std::unique_ptr<std::uint8_t[]> bytes;
  std::size_t capacity = 0;
  bool in_use = false;
};
thread_local ThreadBuffer t_buffer;

}  // namespace

Result<std::unique_ptr<FileImage>> FileImage::open(const std::string& path) {
  // O_NONBLOCK: a FIFO put where an executable was expected must not hang
  // the open; fstat refuses it below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Error{"open " + path + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Error{"stat " + path + ": " + std::strerror(err)};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{path + ": not a regular file"};
  }
  return std::unique_ptr<FileImage>(new FileImage(fd, static_cast<std::size_t>(st.st_size)));
}

FileImage::FileImage(int fd, std::size_t size) : fd_(fd), size_(size), loaded_((size + kPage - 1) / kPage, false) {
  if (!t_buffer.in_use) {
    if (t_buffer.capacity < size) {
      t_buffer.bytes.reset(new std::uint8_t[size]);  // uninitialized: untouched pages cost nothing
      t_buffer.capacity = size;
    }
    t_buffer.in_use = true;
    borrowed_ = true;
    buffer_ = t_buffer.bytes.get();
  } else {  // a second image alive on this thread: its own buffer
    owned_.reset(new std::uint8_t[size == 0 ? 1 : size]);
    buffer_ = owned_.get();
  }
}

FileImage::~FileImage() {
  if (borrowed_) t_buffer.in_use = false;
  ::close(fd_);
}

bool FileImage::ensure(std::uint64_t offset, std::uint64_t length) const {
  if (length == 0) return true;
  std::uint64_t page = offset / kPage;
  const std::uint64_t last = (offset + length - 1) / kPage;  // the caller checked the range
  while (page <= last) {
    if (loaded_[page]) {
      ++page;
      continue;
    }
    // One read for the whole run of missing pages.
    std::uint64_t end = page;
    while (end <= last && !loaded_[end]) ++end;
    std::uint64_t from = page * kPage, to = std::min<std::uint64_t>(end * kPage, size_);
    while (from < to) {
      ssize_t n = ::pread(fd_, buffer_ + from, to - from, static_cast<off_t>(from));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;  // I/O error, or the file shrank under us
      from += static_cast<std::uint64_t>(n);
    }
    for (; page < end; ++page) loaded_[page] = true;
  }
  return true;
}

}  // namespace gops::binfmt
