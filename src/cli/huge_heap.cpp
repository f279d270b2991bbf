#include "cli/huge_heap.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace gops::cli {

void grow_heap_in_huge_pages(std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  // Blocks up to `bytes` come from the heap (not a mapping of their own),
  // and freeing does not shrink the heap back below the huge range.
  ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
  ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * bytes));
  void* block = std::malloc(bytes - 4096);
  if (block == nullptr) return;
  auto at = reinterpret_cast<std::uintptr_t>(block);
  std::uintptr_t start = (at + kHuge - 1) & ~(kHuge - 1);
  std::uintptr_t end = (at + bytes - 4096) & ~(kHuge - 1);
  if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  std::free(block);
}

}  // namespace gops::cli
