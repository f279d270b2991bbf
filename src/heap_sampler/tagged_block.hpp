// How free() tells a sampled block from any other without a table lookup,
// when the allocator behind us is glibc's.
//
// glibc keeps each chunk's size in the 8 bytes just before the pointer it
// returns; a size never has its top bit set. So the sampler hands out a
// sampled block at an offset inside a slightly larger real block and puts
// a word with the top bit set just before it (and the real block's address
// before that). free() reads that word -- the cache line glibc's own free
// reads next anyway -- and one sign test says whether the block is ours.
// The bootstrap buffer's blocks carry the same mark.
//
// Only for glibc: jemalloc and tcmalloc keep no header, and the bytes before
// a block may be unmapped. Not under valgrind either: memcheck would report
// the read of glibc's header as invalid. There, the sample store's address
// filter is used instead (sample_store.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gops::heap_sampler {

namespace detail {
// Set once by the allocator lookup, before any block can be sampled.
extern bool g_tagging;
}  // namespace detail

// Whether sampled blocks carry the mark (else the filter is used).
inline bool tagging() noexcept { return __atomic_load_n(&detail::g_tagging, __ATOMIC_RELAXED); }

// The mark: top bit set (no glibc chunk size has it), the rest a constant
// that makes a stray match on some other layout unlikely.
inline constexpr std::uint64_t kTagWord = 0xC0DE'5A3B'1ED0'0B1Dull;

inline constexpr std::size_t kTagBytes = 16;  // the mark and the real block's address

// `ptr` (not null) carries the mark: sampled, or from the bootstrap buffer.
// Only meaningful while tagging() is true.
inline bool carries_tag(const void* ptr) noexcept {
  std::int64_t word = 0;
  std::memcpy(&word, static_cast<const unsigned char*>(ptr) - 8, sizeof word);
  return word < 0;
}

// Writes the mark before `block`, which sits inside the real block `base`.
inline void put_tag(void* block, void* base) noexcept {
  auto* bytes = static_cast<unsigned char*>(block);
  std::memcpy(bytes - 8, &kTagWord, sizeof kTagWord);
  std::memcpy(bytes - 16, &base, sizeof base);
}

// The real block a marked block sits in (what the real free() takes).
inline void* tagged_base(const void* block) noexcept {
  void* base = nullptr;
  std::memcpy(&base, static_cast<const unsigned char*>(block) - 16, sizeof base);
  return base;
}

// A marked block of `size` bytes from the real allocator, aligned to
// `alignment` (0: malloc's), zeroed if asked. Null on failure (errno set by
// the real allocator or ENOMEM).
void* allocate_tagged(std::size_t size, std::size_t alignment, bool zero) noexcept;

// malloc_usable_size() of a marked block.
std::size_t tagged_usable_size(const void* block) noexcept;

}  // namespace gops::heap_sampler
