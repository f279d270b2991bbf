// Memory for copies of another process's memory (goroutine structs,
// stacks, table chunks), freed all at once with the arena. Not
// thread-safe.
//
// Why not malloc: a fresh page costs a fault the first time it is
// touched, and on a virtual machine that fault (the guest's and the
// host's) costs more than copying the page's bytes. So blocks are 2 MiB,
// aligned and marked for transparent huge pages, where the kernel has them
// (one fault for 512 pages), and the part handed out is faulted in with
// one call (MADV_POPULATE_WRITE) where it does not: pages beyond it are
// never touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace gops::goruntime {

class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `size` bytes, 16-byte aligned, contents unspecified.
  std::uint8_t* allocate(std::size_t size);
  // Makes the next `size` bytes handed out ones already mapped and
  // faulted in: no system call or fault while they are used (as while a
  // target is stopped).
  void reserve(std::size_t size);

 private:
  struct Block {
    std::uint8_t* base;
    std::size_t size;
  };
  static constexpr std::size_t kBlock = 2 << 20;         // a huge page
  static constexpr std::size_t kPopulateStep = 64 << 10;  // faulted in at a time
  void add_block(std::size_t size);
  void populate(std::size_t end);  // faults in the last block up to `end`

  std::vector<Block> blocks_;
  std::size_t used_ = 0;       // in the last block
  std::size_t populated_ = 0;  // in the last block
};

// For a container whose elements live no longer than the arena: its
// memory is the arena's, given back with it.
template <class T>
struct ArenaAllocator {
  using value_type = T;
  using propagate_on_container_move_assignment = std::true_type;
  Arena* arena;
  explicit ArenaAllocator(Arena& a) : arena(&a) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) : arena(other.arena) {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 16);
    return reinterpret_cast<T*>(arena->allocate(n * sizeof(T)));
  }
  void deallocate(T*, std::size_t) {}
  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const { return arena == other.arena; }
};

}  // namespace gops::goruntime
