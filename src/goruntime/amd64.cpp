// Everything in goruntime that is x86-64: instruction decoding (Zydis)
// and the unwinding rule of the Go ABI on this machine.
//
// Why Zydis (libzydis-dev) rather than Capstone (libcapstone-dev), both in
// Debian: Capstone's decoder tables are 1.3 MB of pointers, and linked into
// gops (a PIE) their 77,000 relocations and the page faults they take cost
// every gops command, agent or not, 8 ms at start (measured: `gops
// --version` 7.2 ms -> 15.7 ms of CPU); Zydis's tables are mostly indices
// (5,300 relocations in all), its decoder allocates nothing and gives each
// operand's kind, size, access and absolute address directly. Zydis is x86
// only: an arm64 port decodes its few ADRP/ADD/LDR patterns itself (fixed
// 32-bit instructions) or loads Capstone for that alone.
#include <Zydis/Zydis.h>

#include "goruntime/arch.hpp"
#include "goruntime/code.hpp"

#if !defined(__x86_64__)
#error "amd64.cpp is for x86-64 hosts: add <arch>.cpp for this one"
#endif

namespace gops::goruntime {
namespace {

bool is_result_register(ZydisRegister r) { return r == ZYDIS_REGISTER_RAX || r == ZYDIS_REGISTER_EAX; }

}  // namespace

std::vector<Insn> decode_function(std::span<const std::uint8_t> code, std::uint64_t addr) {
  std::vector<Insn> out;
  ZydisDecoder decoder;
  if (!ZYAN_SUCCESS(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) return out;
  ZydisDecodedInstruction ins;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  for (std::size_t at = 0; at < code.size();) {
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code.data() + at, code.size() - at, &ins, ops))) break;
    const std::uint64_t pc = addr + at;
    Insn in;
    in.addr = pc;
    int mem_index = -1;
    for (int k = 0; k < ins.operand_count_visible; ++k) {
      const ZydisDecodedOperand& op = ops[k];
      if (op.type == ZYDIS_OPERAND_TYPE_MEMORY && op.mem.base == ZYDIS_REGISTER_RIP &&
          op.mem.index == ZYDIS_REGISTER_NONE) {
        ZyanU64 target = 0;
        if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&ins, &op, pc, &target))) {
          mem_index = k;
          in.mem = target;
          in.width = op.size / 8;
        }
      } else if (op.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !op.imm.is_relative) {
        in.imm = op.imm.is_signed ? op.imm.value.s : static_cast<std::int64_t>(op.imm.value.u);
      }
    }
    switch (ins.mnemonic) {
      case ZYDIS_MNEMONIC_CALL: {
        ZyanU64 target = 0;
        if (ins.operand_count_visible >= 1 && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
            ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&ins, &ops[0], pc, &target))) {
          in.kind = Insn::Kind::kCall;
          in.call_target = target;
        }
        break;
      }
      case ZYDIS_MNEMONIC_LEA:
        if (mem_index >= 0) in.kind = Insn::Kind::kAddressOf;
        break;
      case ZYDIS_MNEMONIC_MOV:
      case ZYDIS_MNEMONIC_MOVZX:
      case ZYDIS_MNEMONIC_MOVSX:
      case ZYDIS_MNEMONIC_MOVSXD:
        if (mem_index == 0) {  // the destination comes first
          in.kind = Insn::Kind::kStore;
          if (ins.operand_count_visible == 2 && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
            in.stores_result_register = is_result_register(ops[1].reg.value);
        } else if (mem_index > 0) {
          in.kind = Insn::Kind::kLoad;
        }
        break;
      case ZYDIS_MNEMONIC_CMP:
        if (mem_index >= 0) in.kind = Insn::Kind::kCompare;
        break;
      case ZYDIS_MNEMONIC_XCHG:
        if (mem_index >= 0) in.kind = Insn::Kind::kExchange;
        break;
      default:
        break;
    }
    out.push_back(in);
    at += ins.length;
  }
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
