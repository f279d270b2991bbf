#include "goruntime/arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <new>

#include "common/prefault.hpp"

namespace gops::goruntime {
namespace {

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

}  // namespace

Arena::~Arena() {
  for (const Block& b : blocks_) ::munmap(b.base, b.size);
}

void Arena::add_block(std::size_t size) {
  // Mapped with room to align, and the extra unmapped.
  std::size_t mapped = size + kBlock;
  void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t aligned = round_up(start, kBlock);
  if (aligned > start) ::munmap(p, aligned - start);
  if (std::uintptr_t end = start + mapped; end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  auto* base = reinterpret_cast<std::uint8_t*>(aligned);
  ::madvise(base, size, MADV_HUGEPAGE);  // a kernel without them says EINVAL: no matter
  blocks_.push_back({base, size});
  used_ = 0;
  populated_ = 0;
}

std::uint8_t* Arena::allocate(std::size_t size) {
  size = round_up(size, 16);
  if (blocks_.empty() || blocks_.back().size - used_ < size) add_block(round_up(std::max(size, kBlock), kBlock));
  std::uint8_t* out = blocks_.back().base + used_;
  used_ += size;
  populate(used_);
  return out;
}

void Arena::reserve(std::size_t size) {
  size = round_up(size, 16);
  if (blocks_.empty() || blocks_.back().size - used_ < size) add_block(round_up(std::max(size, kBlock), kBlock));
  populate(used_ + size);
}

void Arena::populate(std::size_t end) {
  Block& b = blocks_.back();
  if (end <= populated_) return;
  std::size_t to = std::min(b.size, round_up(end, kPopulateStep));
  // Older kernels refuse (EINVAL): the pages then fault in as touched.
  prefault(b.base + populated_, to - populated_);
  populated_ = to;
}

}  // namespace gops::goruntime
