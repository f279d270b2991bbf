#include "goruntime/remote_region.hpp"

#include <sys/mman.h>

#include <algorithm>

#include "common/prefault.hpp"

namespace gops::goruntime {

RemoteRegion::RemoteRegion(const attach::ProcessMemory& memory, std::uint64_t base, std::uint64_t size)
    : memory_(memory), base_(base), size_(size) {
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    size_ = 0;
    error_ = "cannot reserve memory for a copy of the target's tables";
    return;
  }
  data_ = static_cast<std::uint8_t*>(p);
  loaded_.assign((size_ + kChunk - 1) / kChunk, false);
}

RemoteRegion::~RemoteRegion() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

std::optional<binfmt::ByteView> RemoteRegion::at(std::uint64_t addr, std::uint64_t length) const {
  if (addr < base_) return std::nullopt;
  return view().sub(addr - base_, length);
}

const std::uint8_t* RemoteRegion::load(std::uint64_t offset, std::uint64_t length) const {
  return ensure(offset, length) ? data_ + offset : nullptr;
}

bool RemoteRegion::ensure(std::uint64_t offset, std::uint64_t length) const {
  if (length == 0) return true;
  std::uint64_t first = offset / kChunk, last = (offset + length - 1) / kChunk;
  // Runs of missing chunks, each read with one call.
  for (std::uint64_t c = first; c <= last;) {
    if (loaded_[c]) {
      ++c;
      continue;
    }
    std::uint64_t end = c;
    while (end <= last && !loaded_[end]) ++end;
    std::uint64_t from = c * kChunk, to = std::min(size_, end * kChunk);
    // Fault the pages in with one call: a fault per page costs more than
    // the copy on a virtual machine. (Older kernels refuse; no matter.)
    prefault(data_ + from, to - from);
    auto s = memory_.read(base_ + from, {data_ + from, to - from});
    if (!s) {
      error_ = s.message();
      return false;
    }
    for (std::uint64_t k = c; k < end; ++k) loaded_[k] = true;
    c = end;
  }
  return true;
}

}  // namespace gops::goruntime
