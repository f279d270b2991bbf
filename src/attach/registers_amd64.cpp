// x86-64: the one file of this part that knows the machine's registers.
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/errno_text.hpp"
#include "attach/registers.hpp"

#if !defined(__x86_64__)
#error "registers_amd64.cpp is for x86-64 hosts; add registers_<arch>.cpp for others"
#endif

namespace gops::attach {

Result<Registers> read_registers(pid_t tid) {
  user_regs_struct regs{};
  iovec iov{&regs, sizeof regs};
  if (::ptrace(PTRACE_GETREGSET, tid, reinterpret_cast<void*>(NT_PRSTATUS), &iov) != 0)
    return Error{"cannot read the registers of thread " + std::to_string(tid) + ": " + errno_text(errno)};
  Registers r;
  r.pc = regs.rip;
  r.sp = regs.rsp;
  r.fp = regs.rbp;
  r.tls_base = regs.fs_base;
  r.dwarf = {regs.rax, regs.rdx, regs.rcx, regs.rbx, regs.rsi, regs.rdi, regs.rbp, regs.rsp, regs.r8,
             regs.r9,  regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15, regs.rip};
  return r;
}

}  // namespace gops::attach
