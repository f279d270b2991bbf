// A read-only memory map of a whole file: the readers see it as one span and
// the kernel pages in only what they touch (headers, one section), which
// keeps the process list cheap for large executables.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/result.hpp"

namespace gops::binfmt {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace gops::binfmt
