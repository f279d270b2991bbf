#include "client/dump_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "client/errno_text.hpp"

namespace gops::client {
namespace {

std::string temp_dir() {
  const char* d = std::getenv("TMPDIR");
  return d && *d ? d : "/tmp";
}

Error errno_error(const std::string& what, const std::string& path) {
  return Error{what + " " + path + ": " + errno_text(errno)};
}

}  // namespace

Result<DumpFile> DumpFile::temporary(std::string_view prefix) {
  std::string tmpl = temp_dir() + "/" + std::string(prefix) + "XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return errno_error("create temporary file", tmpl);
  return DumpFile(fd, tmpl, tmpl);
}

Result<DumpFile> DumpFile::at(const std::string& path) {
  if (path.empty()) return Error{"empty output path"};
  std::string tmpl = path + ".partXXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return errno_error("create", tmpl);
  // mkostemp makes 0600; a file the user named gets the usual mode.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) {
    auto e = errno_error("chmod", tmpl);
    ::close(fd);
    ::unlink(tmpl.c_str());
    return e;
  }
  return DumpFile(fd, path, tmpl);
}

DumpFile::DumpFile(DumpFile&& other) noexcept
    : fd_(other.fd_),
      path_(std::move(other.path_)),
      writing_path_(std::move(other.writing_path_)),
      committed_(other.committed_) {
  other.fd_ = -1;
  other.committed_ = true;  // nothing left for the moved-from object to clean up
}

DumpFile::~DumpFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(writing_path_.c_str());
}

Status DumpFile::write(std::span<const char> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write", writing_path_);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return Ok{};
}

Status DumpFile::commit() {
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return errno_error("write", writing_path_);
  if (writing_path_ != path_ && ::rename(writing_path_.c_str(), path_.c_str()) != 0)
    return errno_error("rename " + writing_path_ + " to", path_);
  committed_ = true;
  return Ok{};
}

void DumpFile::remove() {
  if (committed_) ::unlink(path_.c_str());
}

}  // namespace gops::client
