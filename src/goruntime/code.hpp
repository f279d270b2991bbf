// A function's machine code as the few facts the runtime-variable
// locators need (runtime_vars.cpp): which instructions call what, and
// which load, store, compare or take the address of which global, how
// wide, with what immediate, and whether a store writes the register that
// holds a call's result. The decoding is the architecture's
// (code_<arch>.cpp); the patterns on top of it are not.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace gops::goruntime {

struct Insn {
  enum class Kind { kOther, kCall, kLoad, kStore, kAddressOf, kCompare, kExchange };
  std::uint64_t addr = 0;
  Kind kind = Kind::kOther;
  std::uint64_t call_target = 0;    // kCall: a direct call's target
  std::optional<std::uint64_t> mem;  // the absolute address of a PC-relative memory operand
  int width = 0;                     // bytes accessed at mem
  bool stores_result_register = false;  // kStore from the ABI's first result register
  std::optional<std::int64_t> imm;   // an immediate operand (stored or compared)
};

// Decodes [addr, addr + code.size()) of the target's text. Stops at the
// first byte sequence it cannot decode (data in text, padding).
std::vector<Insn> decode_function(std::span<const std::uint8_t> code, std::uint64_t addr);

}  // namespace gops::goruntime
