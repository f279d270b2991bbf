#include "goruntime/runtime_layout.hpp"

#include "goruntime/release.hpp"

namespace gops::goruntime {
namespace {

// Offsets computed from each release's type definitions for amd64 (every
// field before the one named is sized and aligned as the Go compiler
// does), and checked against the DWARF of runtime.g / runtime.m in
// binaries built by the real toolchains of 1.19, 1.21, 1.22, 1.23, 1.24,
// 1.26 and 1.27 (tests/goruntime/layout_dwarf_test.cpp does so on every
// toolchain the suite builds with).
//
// gobuf is {sp, pc, g, ctxt, ret, lr, bp} until 1.24 (56 bytes) and
// {sp, pc, g, ctxt, lr, bp} from 1.25 (48 bytes, ret removed); g.sched
// is at 56 in every release.
constexpr GLayout kG116{0, 8, 48, 56, 64, 104, 112, 120, 144, 152, 168, 176, -1, 216, -1, 280, 296};
constexpr GLayout kG117{0, 8, 48, 56, 64, 104, 112, 120, 144, 152, 168, 176, 189, 232, -1, 296, 312};
constexpr GLayout kG121{0, 8, 48, 56, 64, 104, 112, 120, 144, 152, 168, 176, 188, 208, 272, 280, 296};
constexpr GLayout kG122{0, 8, 48, 56, 64, 104, 112, 120, 144, 152, 168, 176, 191, 208, 272, 280, 296};
// 1.23 adds g.syscallbp after syscallpc: everything from stktopsp moves 8 on.
constexpr GLayout kG123{0, 8, 48, 56, 64, 104, 112, 120, 152, 160, 176, 184, 199, 216, 280, 288, 304};
// 1.25 drops gobuf.ret: syscallsp and what follows move 8 back.
constexpr GLayout kG125{0, 8, 48, 56, 64, 96, 104, 112, 144, 152, 168, 176, 191, 208, 272, 280, 296};
// 1.26 adds fields between lockedm and sigpc.
constexpr GLayout kG126{0, 8, 48, 56, 64, 96, 104, 112, 144, 152, 168, 176, 191, 208, 280, 288, 304};

constexpr RuntimeLayout kLayouts[] = {
    {16, 16,
     "go1.16 src/runtime/runtime2.go (g, gobuf, m, waitReasonStrings), symtab.go (moduledata, _func, funcID)",
     kG116, 72, 0, {22}, {}, false, Elision::kMax100, false},
    {17, 17, "go1.17.13 src/runtime/runtime2.go, symtab.go", kG117, 72, 0, {22}, {}, false, Elision::kMax100, true},
    {18, 19, "go1.18 and go1.19.8 src/runtime/runtime2.go, symtab.go", kG117, 72, 304, {21}, {}, false,
     Elision::kMax100, true},
    {20, 20, "go1.20.6 src/runtime/runtime2.go, symtab.go", kG117, 72, 320, {21}, {}, false, Elision::kMax100,
     true},
    {21, 21, "go1.21.13 src/runtime/runtime2.go, symtab.go, src/internal/abi/symtab.go", kG121, 72, 320, {21}, {},
     true, Elision::kInnerOuter, true},
    {22, 22, "go1.22.12 src/runtime/runtime2.go, symtab.go, src/internal/abi/symtab.go", kG122, 72, 320, {22}, {},
     true, Elision::kInnerOuter, true},
    {23, 24, "go1.23.5 and go1.24.4 src/runtime/runtime2.go, symtab.go, src/internal/abi/symtab.go", kG123, 72,
     320, {22}, {}, true, Elision::kInnerOuter, true},
    // 1.25: runtime2.go of go1.25.3; moduledata and the function IDs as in
    // 1.24 and 1.26, which agree (checked on esbuild built with go1.25.4).
    {25, 25, "go1.25.3 src/runtime/runtime2.go; symtab.go and internal/abi/symtab.go as 1.26", kG125, 64, 320,
     {23}, {}, true, Elision::kInnerOuter, true},
    {26, 26, "go1.26.10 src/runtime/runtime2.go, symtab.go, src/internal/abi/symtab.go", kG126, 64, 320, {23}, {},
     true, Elision::kInnerOuter, true},
    {27, 27, "go1.27.3 src/runtime/runtime2.go, symtab.go, src/internal/abi/symtab.go", kG126, 64, 344, {23}, {},
     true, Elision::kInnerOuter, true},
};

std::span<const std::string_view> wait_reasons_for(int minor) {
  if (minor <= 19) return wait_reasons_1_16();
  if (minor <= 21) return wait_reasons_1_20();
  if (minor == 22) return wait_reasons_1_22();
  if (minor == 23) return wait_reasons_1_23();
  if (minor == 24) return wait_reasons_1_24();
  if (minor == 25) return wait_reasons_1_25();
  return wait_reasons_1_26();
}

}  // namespace

std::optional<RuntimeLayout> runtime_layout(int minor) {
  for (const auto& l : kLayouts) {
    if (minor < l.first_minor || minor > l.last_minor) continue;
    RuntimeLayout out = l;
    out.wait_reasons = wait_reasons_for(minor);
    return out;
  }
  return std::nullopt;
}

std::string_view status_name(int minor, std::uint32_t status) {
  // gStatusStrings: indexed by status; 5 and 7 are unused values with no
  // name; 1.26 adds "leaked" (10) and "waiting for cgo callback" (11).
  static constexpr std::string_view kNames[] = {"idle",      "runnable", "running", "syscall", "waiting", "",
                                                "dead",      "",         "copystack", "preempted", "leaked",
                                                "waiting for cgo callback"};
  std::uint32_t count = minor >= 26 ? 12 : 10;
  if (status >= count) return "???";
  return kNames[status];
}

}  // namespace gops::goruntime
