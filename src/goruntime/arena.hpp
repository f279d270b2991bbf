// Memory for copies of another process's memory (goroutine structs,
// stacks, table chunks), handed out from blocks that are mapped and faulted
// in with one system call each (MAP_POPULATE): a fresh page costs a fault
// per page otherwise, which on a virtual machine costs more than copying
// the bytes into it. Freed all at once, with the arena. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
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

 private:
  struct Block {
    std::uint8_t* base;
    std::size_t size;
  };
  static constexpr std::size_t kBlock = 1 << 20;
  std::vector<Block> blocks_;
  std::size_t used_ = 0;  // in the last block
};

}  // namespace gops::goruntime
