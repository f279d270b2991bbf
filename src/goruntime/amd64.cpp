// Everything in goruntime that is x86-64: instruction decoding (with
// Capstone) and the unwinding rule of the Go ABI on this machine.
//
// Why Capstone (libcapstone-dev) rather than Zydis (libzydis-dev), both in
// Debian: the next architecture gops reads Go programs on is arm64, and
// Capstone decodes both with one API, so code_arm64.cpp will be this file
// with another mode; Zydis is x86 only. What is needed here is small
// (operands of a few hundred instructions per dump, on stripped binaries)
// and Capstone's operand details give it directly.
#include <capstone/capstone.h>

#include "goruntime/arch.hpp"
#include "goruntime/code.hpp"

#if !defined(__x86_64__)
#error "amd64.cpp is for x86-64 hosts: add <arch>.cpp for this one"
#endif

namespace gops::goruntime {
namespace {

bool is_result_register(x86_reg r) { return r == X86_REG_RAX || r == X86_REG_EAX; }

class Handle {
 public:
  Handle() {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h_) != CS_ERR_OK) {
      h_ = 0;
      return;
    }
    cs_option(h_, CS_OPT_DETAIL, CS_OPT_ON);
  }
  ~Handle() {
    if (h_ != 0) cs_close(&h_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  csh get() const { return h_; }

 private:
  csh h_ = 0;
};

}  // namespace

std::vector<Insn> decode_function(std::span<const std::uint8_t> code, std::uint64_t addr) {
  std::vector<Insn> out;
  Handle handle;
  if (handle.get() == 0 || code.empty()) return out;
  cs_insn* insns = nullptr;
  std::size_t count = cs_disasm(handle.get(), code.data(), code.size(), addr, 0, &insns);
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const cs_insn& ci = insns[i];
    const cs_x86& x = ci.detail->x86;
    Insn in;
    in.addr = ci.address;
    int mem_index = -1;
    for (int k = 0; k < x.op_count; ++k) {
      const cs_x86_op& op = x.operands[k];
      if (op.type == X86_OP_MEM && op.mem.base == X86_REG_RIP && op.mem.index == X86_REG_INVALID) {
        mem_index = k;
        in.mem = ci.address + ci.size + static_cast<std::uint64_t>(op.mem.disp);
        in.width = op.size;
      } else if (op.type == X86_OP_IMM) {
        in.imm = op.imm;
      }
    }
    switch (ci.id) {
      case X86_INS_CALL:
        if (x.op_count == 1 && x.operands[0].type == X86_OP_IMM) {
          in.kind = Insn::Kind::kCall;
          in.call_target = static_cast<std::uint64_t>(x.operands[0].imm);
          in.imm.reset();
        }
        break;
      case X86_INS_LEA:
        if (mem_index >= 0) in.kind = Insn::Kind::kAddressOf;
        break;
      case X86_INS_MOV:
      case X86_INS_MOVZX:
      case X86_INS_MOVSX:
      case X86_INS_MOVSXD:
        if (mem_index == 0) {  // Intel order: the destination first
          in.kind = Insn::Kind::kStore;
          if (x.op_count == 2 && x.operands[1].type == X86_OP_REG)
            in.stores_result_register = is_result_register(static_cast<x86_reg>(x.operands[1].reg));
        } else if (mem_index > 0) {
          in.kind = Insn::Kind::kLoad;
        }
        break;
      case X86_INS_CMP:
        if (mem_index >= 0) in.kind = Insn::Kind::kCompare;
        break;
      case X86_INS_XCHG:
        if (mem_index >= 0) in.kind = Insn::Kind::kExchange;
        break;
      default:
        break;
    }
    out.push_back(in);
  }
  cs_free(insns, count);
  return out;
}

namespace arch {

// A CALL pushes the return address below the caller's SP; the callee's
// frame (sp_delta bytes, from pcsp) sits below that.
CallerLink caller_link(std::uint64_t sp, std::int32_t sp_delta) {
  std::uint64_t fp = sp + static_cast<std::uint64_t>(static_cast<std::int64_t>(sp_delta)) + 8;
  return {fp, fp - 8};
}

std::uint64_t min_frame_size() { return 0; }

}  // namespace arch
}  // namespace gops::goruntime
