// Reads of scattered small pieces of another process's memory (inline
// trees, argument metadata, function code, stack words) through a cache of
// 16 KiB chunks, so that the thousand goroutines of a dump that share a
// few functions cost a few system calls, not thousands. For memory that
// does not change while we read: code and read-only data. (Stacks and
// goroutine structs change; goroutines.cpp reads those directly.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "attach/process_memory.hpp"
#include "goruntime/arena.hpp"

namespace gops::goruntime {

class RemoteReader {
 public:
  // Chunks are copied into `arena`, which must outlive this.
  RemoteReader(const attach::ProcessMemory& memory, Arena& arena) : memory_(memory), arena_(arena) {}

  // Copies [addr, addr + out.size()); false if any byte is unmapped.
  bool read(std::uint64_t addr, std::span<std::uint8_t> out) const;

  template <class T>
  std::optional<T> value(std::uint64_t addr) const {
    T v{};
    if (!read(addr, {reinterpret_cast<std::uint8_t*>(&v), sizeof v})) return std::nullopt;
    return v;
  }

  const attach::ProcessMemory& memory() const { return memory_; }

 private:
  static constexpr std::uint64_t kChunk = 16 * 1024;  // 4 pages: few calls, little copied
  static constexpr std::uint64_t kPage = 4096;
  struct Chunk {
    std::uint8_t* bytes = nullptr;  // in arena_
    std::uint64_t page_ok = 0;  // bit i: page i of the chunk was read
  };
  const Chunk& chunk(std::uint64_t base) const;

  const attach::ProcessMemory& memory_;
  Arena& arena_;
  mutable std::unordered_map<std::uint64_t, Chunk> chunks_;
};

}  // namespace gops::goruntime
