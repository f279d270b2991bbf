// A range of another process's read-only memory (its pclntab, a
// function's code) as a binfmt::ByteView whose bytes are copied in on
// demand, 16 KiB at a time, with process_vm_readv: lookups touch a few
// pages of tables that can be tens of megabytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attach/process_memory.hpp"
#include "binfmt/byte_view.hpp"

namespace gops::goruntime {

class RemoteRegion final : public binfmt::Loader {
 public:
  // [base, base + size) of the process behind `memory` (which must
  // outlive this).
  RemoteRegion(const attach::ProcessMemory& memory, std::uint64_t base, std::uint64_t size);
  ~RemoteRegion() override;
  RemoteRegion(const RemoteRegion&) = delete;
  RemoteRegion& operator=(const RemoteRegion&) = delete;

  std::uint64_t base() const { return base_; }
  std::uint64_t size() const { return size_; }
  bool contains(std::uint64_t addr) const { return addr >= base_ && addr - base_ < size_; }

  // The whole region, loaded lazily; views it returns are loaded.
  binfmt::ByteView view() const { return binfmt::ByteView(size_, this); }
  // The bytes at a target address, or nullopt outside the region or when
  // they cannot be read.
  std::optional<binfmt::ByteView> at(std::uint64_t addr, std::uint64_t length) const;

  const std::uint8_t* load(std::uint64_t offset, std::uint64_t length) const override;

  // Why the last load failed ("" if none has).
  const std::string& error() const { return error_; }

 private:
  static constexpr std::uint64_t kChunk = 4 * 1024;
  const attach::ProcessMemory& memory_;
  std::uint64_t base_, size_;
  std::uint8_t* data_ = nullptr;  // mmap'ed: untouched pages cost nothing
  mutable std::vector<bool> loaded_;
  mutable std::string error_;

  bool ensure(std::uint64_t offset, std::uint64_t length) const;
};

}  // namespace gops::goruntime
