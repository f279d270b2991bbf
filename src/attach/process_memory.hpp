// Reading another process's memory with process_vm_readv: one system call
// for up to IOV_MAX scattered pieces, never ptrace word by word. Works
// while the target runs (same user or CAP_SYS_PTRACE, as ptrace would
// need); the bytes of a running target can change between two reads, so
// callers that need consistency validate what they read.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.hpp"

namespace gops::attach {

// One piece of a batched read: `size` bytes at `addr` into `out`. `ok`
// says whether all of it was read.
struct ReadPiece {
  std::uint64_t addr = 0;
  std::uint8_t* out = nullptr;
  std::size_t size = 0;
  bool ok = false;
};

class ProcessMemory {
 public:
  explicit ProcessMemory(pid_t pid) : pid_(pid) {}
  pid_t pid() const { return pid_; }

  // All of [addr, addr + out.size()). A fault (EFAULT: not mapped) is an
  // error whose message names the address; losing access or the process
  // (EPERM, ESRCH) gives the access error (access_error.hpp).
  Status read(std::uint64_t addr, std::span<std::uint8_t> out) const;

  // Reads every piece, with one system call per IOV_MAX pieces when all
  // are mapped; a piece that faults is left !ok and the others are still
  // read. An error only when the process cannot be read at all any more.
  Status read_batch(std::span<ReadPiece> pieces) const;

  // Number of process_vm_readv calls made so far (for tests and benches).
  std::uint64_t calls() const { return calls_; }

 private:
  // One process_vm_readv over pieces[0, n): bytes read, or -errno.
  long readv(std::span<ReadPiece> pieces) const;
  Error failure(int err) const;

  pid_t pid_;
  mutable std::uint64_t calls_ = 0;
  mutable bool succeeded_once_ = false;
};

// A value of type T read from the target (little-endian host order: the
// target is the same machine).
template <class T>
Result<T> read_value(const ProcessMemory& mem, std::uint64_t addr) {
  T v{};
  auto s = mem.read(addr, {reinterpret_cast<std::uint8_t*>(&v), sizeof v});
  if (!s) return s.error();
  return v;
}

}  // namespace gops::attach
