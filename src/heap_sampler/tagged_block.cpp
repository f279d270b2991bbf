#include "heap_sampler/tagged_block.hpp"

#include <bit>
#include <cerrno>

#include "heap_sampler/real_allocator.hpp"

namespace gops::heap_sampler {
namespace detail {
bool g_tagging = false;
}  // namespace detail

void* allocate_tagged(std::size_t size, std::size_t alignment, bool zero) noexcept {
  // The mark needs 16 bytes before the block; an alignment above that puts
  // the block one alignment unit into the real block.
  if (alignment > kTagBytes) alignment = std::bit_ceil(alignment);  // as glibc's memalign rounds
  std::size_t offset = alignment > kTagBytes ? alignment : kTagBytes;
  std::size_t total = 0;
  if (__builtin_add_overflow(size, offset, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  const RealAllocator& r = real();
  void* base = nullptr;
  if (alignment > kTagBytes) {
    int rc = r.posix_memalign(&base, alignment, total);
    if (rc != 0) {
      errno = rc;
      return nullptr;
    }
    if (zero) std::memset(base, 0, total);
  } else {
    base = zero ? r.calloc(1, total) : r.malloc(total);
    if (base == nullptr) return nullptr;
  }
  void* block = static_cast<unsigned char*>(base) + offset;
  put_tag(block, base);
  return block;
}

std::size_t tagged_usable_size(const void* block) noexcept {
  void* base = tagged_base(block);
  std::size_t offset = static_cast<std::size_t>(static_cast<const unsigned char*>(block) - static_cast<unsigned char*>(base));
  return real().malloc_usable_size(base) - offset;
}

}  // namespace gops::heap_sampler
