#include "goruntime/arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <new>

namespace gops::goruntime {

Arena::~Arena() {
  for (const Block& b : blocks_) ::munmap(b.base, b.size);
}

std::uint8_t* Arena::allocate(std::size_t size) {
  size = (size + 15) & ~std::size_t{15};
  if (blocks_.empty() || used_ + size > blocks_.back().size) {
    std::size_t block = std::max(kBlock, (size + 4095) & ~std::size_t{4095});
    void* p = ::mmap(nullptr, block, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    blocks_.push_back({static_cast<std::uint8_t*>(p), block});
    used_ = 0;
  }
  std::uint8_t* out = blocks_.back().base + used_;
  used_ += size;
  return out;
}

}  // namespace gops::goruntime
