// The registers of a stopped thread that stack walkers need, the same on
// every architecture; registers_<arch>.cpp fills it from the kernel's
// NT_PRSTATUS regset.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/result.hpp"

namespace gops::attach {

struct Registers {
  std::uint64_t pc = 0;
  std::uint64_t sp = 0;
  std::uint64_t fp = 0;        // frame pointer (rbp; x29 on arm64)
  std::uint64_t lr = 0;        // link register (arm64); 0 where calls push the return address
  std::uint64_t tls_base = 0;  // thread pointer (fs_base; tpidr_el0 on arm64)
  // Every general register in the DWARF numbering of the psABI, for CFI
  // unwinders (x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, then the
  // return-address column: rip).
  static constexpr std::size_t kDwarfCount = 17;
  std::array<std::uint64_t, kDwarfCount> dwarf{};
};

// PTRACE_GETREGSET of a thread in a ptrace stop.
Result<Registers> read_registers(pid_t tid);

}  // namespace gops::attach
