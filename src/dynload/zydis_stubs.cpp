// The functions of Zydis that gops calls (finding the Go runtime's globals
// through its code), loaded on first use (dynload/lazy_library.hpp).
#include <Zydis/Zydis.h>

#include "dynload/lazy_library.hpp"

namespace {
constinit gops::dynload::LazyLibrary zydis("libZydis.so.4.0");
}  // namespace

GOPS_LAZY_FUNCTION(zydis, ZyanStatus, ZydisDecoderInit,
                   (ZydisDecoder * decoder, ZydisMachineMode mode, ZydisStackWidth width), (decoder, mode, width))
GOPS_LAZY_FUNCTION(zydis, ZyanStatus, ZydisDecoderDecodeFull,
                   (const ZydisDecoder* decoder, const void* buffer, ZyanUSize length,
                    ZydisDecodedInstruction* instruction, ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT]),
                   (decoder, buffer, length, instruction, operands))
GOPS_LAZY_FUNCTION(zydis, ZyanStatus, ZydisCalcAbsoluteAddress,
                   (const ZydisDecodedInstruction* instruction, const ZydisDecodedOperand* operand,
                    ZyanU64 runtime_address, ZyanU64* result_address),
                   (instruction, operand, runtime_address, result_address))
