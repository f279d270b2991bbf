// An executable file as one ByteView whose bytes are read (pread) only when
// a reader asks for them: the headers, the tables, the build-info window.
//
// Why not mmap, and why not a buffer laid out at file offsets: on the VM
// this is measured on, the first touch of a page costs 15 to 30 us (the
// fault, and the hypervisor's page tables), while a 64 KiB pread into pages
// touched before costs about 6 us. The process list reads some 20 pages of
// each distinct executable (headers, section headers, the 64 KiB build-info
// window). Mapping the file, or a buffer with each byte at its file offset,
// touches new pages for every file: 0.6 to 1.4 ms a file, measured. So the
// bytes go into an arena that the thread reuses from file to file, in the
// order they are asked for, and only the first file pays for its pages
// (about 0.1 ms a file after that).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binfmt/byte_view.hpp"
#include "common/result.hpp"

namespace gops::binfmt {

class FileArena;

class FileImage final : public Loader {
 public:
  static Result<std::unique_ptr<FileImage>> open(const std::string& path);
  ~FileImage() override;
  FileImage(const FileImage&) = delete;
  FileImage& operator=(const FileImage&) = delete;

  // The whole file, loaded lazily; valid while this FileImage lives.
  ByteView view() const { return ByteView(size_, this); }
  // Reads the whole pages around the range on first use; later requests
  // inside what was read are served from memory.
  const std::uint8_t* load(std::uint64_t offset, std::uint64_t length) const override;

 private:
  FileImage(int fd, std::uint64_t size);

  // A range of the file in memory.
  struct Piece {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    const std::uint8_t* bytes = nullptr;
  };

  int fd_ = -1;
  std::uint64_t size_ = 0;
  FileArena* arena_ = nullptr;             // the thread's, or own_arena_
  std::unique_ptr<FileArena> own_arena_;  // when another image holds the thread's
  mutable std::vector<Piece> pieces_;
};

}  // namespace gops::binfmt
