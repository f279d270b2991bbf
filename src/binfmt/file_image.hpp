// An executable file as one ByteView whose bytes are read (pread) only when
// a reader asks for them: the headers, the tables, the build-info window.
//
// Why not mmap: the process list inspects every executable, and each page
// fault of a fresh mapping costs far more than a read of the same page
// (measured on the test VM: open+mmap+2 touched pages+munmap 240-330 us of
// CPU per file, open+3 preads into a reused buffer 12-25 us). So the bytes go
// into a buffer reused across files on the same thread, at their file
// offsets, and a page bitmap says what is loaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binfmt/byte_view.hpp"
#include "common/result.hpp"

namespace gops::binfmt {

class FileImage final : public Loader {
 public:
  static Result<std::unique_ptr<FileImage>> open(const std::string& path);
  ~FileImage() override;
  FileImage(const FileImage&) = delete;
  FileImage& operator=(const FileImage&) = delete;

  // The whole file, loaded lazily; valid while this FileImage lives.
  ByteView view() const { return ByteView({buffer_, size_}, this); }
  bool ensure(std::uint64_t offset, std::uint64_t length) const override;

 private:
  FileImage(int fd, std::size_t size);
  int fd_ = -1;
  std::size_t size_ = 0;
  std::uint8_t* buffer_ = nullptr;  // the thread's shared buffer, or owned_
  std::unique_ptr<std::uint8_t[]> owned_;
  bool borrowed_ = false;
  mutable std::vector<bool> loaded_;  // one bit per page
};

}  // namespace gops::binfmt
