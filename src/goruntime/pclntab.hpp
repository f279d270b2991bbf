// The Go function table of a running program (1.16 and later): find the
// function holding a PC, its name, file and line at a PC, its stack frame
// size at a PC (pcsp: the SP delta, which unwinds a Go stack with neither
// frame pointers nor DWARF), its PCDATA and FUNCDATA, and its inline tree.
//
// Why our own reader: the format is the Go runtime's (src/runtime/
// symtab.go), read by no C or C++ library; debug/gosym is Go. The tables
// are read from the target's memory through a RemoteRegion (bounds-checked
// ByteView), a few pages at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "goruntime/module.hpp"
#include "goruntime/remote_region.hpp"
#include "goruntime/remote_reader.hpp"

namespace gops::goruntime {

// PCDATA and FUNCDATA table numbers (the same in every release read).
inline constexpr std::uint32_t kPcdataInlTreeIndex = 2, kPcdataArgLiveIndex = 3;
inline constexpr std::uint8_t kFuncdataInlTree = 3, kFuncdataArgInfo = 5, kFuncdataArgLiveInfo = 6;

// _func.flag bits (1.17+).
inline constexpr std::uint8_t kFuncFlagTopFrame = 1, kFuncFlagSpWrite = 2, kFuncFlagAsm = 4;

struct Func {
  std::uint64_t entry = 0;
  std::uint64_t end = 0;  // entry of the next function
  std::uint64_t address = 0;  // of the _func record
  std::int32_t nameoff = 0;
  std::int32_t args = 0;
  std::uint32_t deferreturn = 0;
  std::uint32_t pcsp = 0, pcfile = 0, pcln = 0, npcdata = 0, cu_offset = 0;
  std::int32_t start_line = 0;
  std::uint8_t func_id = 0, flag = 0, nfuncdata = 0;
};

// One entry of a function's inline tree.
struct InlinedCall {
  std::uint8_t func_id = 0;
  std::int32_t nameoff = 0;
  std::int32_t parent_pc = 0;  // offset from the outer function's entry of an instruction at the call site
};

class PcLnTab {
 public:
  // `gofunc`: moduledata.gofunc (1.18+; 0 before). `reader` reads the
  // funcdata (outside the pclntab).
  static Result<std::unique_ptr<PcLnTab>> open(const attach::ProcessMemory& memory, const RemoteReader& reader,
                                               const ModuleData& md, std::uint64_t gofunc);

  const ModuleData& module() const { return md_; }
  PclnFormat format() const { return md_.format; }
  // Inside the module's text: a PC worth looking up.
  bool in_text(std::uint64_t pc) const { return pc >= md_.minpc && pc < md_.maxpc; }

  std::optional<Func> find(std::uint64_t pc) const;
  // The first function with this exact name (a linear scan from the
  // start of the table, where the runtime's functions are).
  std::optional<Func> find_by_name(std::string_view name) const;
  // One scan for several names: calls `found` for each function whose name
  // `wanted` accepts, until it returns true (done) or the table ends.
  void scan_names(const std::function<bool(std::string_view)>& wanted,
                  const std::function<bool(std::string_view, const Func&)>& found) const;

  // "?" when unreadable.
  std::string_view name(const Func& f) const { return name_at(f.nameoff); }
  std::string_view name_at(std::int32_t nameoff) const;

  // pcvalue(table, pc) as the runtime decodes it; nullopt when the table
  // has no value for pc.
  std::optional<std::int32_t> pcvalue(const Func& f, std::uint32_t table, std::uint64_t pc) const;
  std::optional<std::int32_t> sp_delta(const Func& f, std::uint64_t pc) const { return pcvalue(f, f.pcsp, pc); }
  struct FileLine {
    std::string_view file = "?";
    std::int32_t line = 0;
  };
  FileLine file_line(const Func& f, std::uint64_t pc) const;
  std::optional<std::int32_t> pcdata(const Func& f, std::uint32_t index, std::uint64_t pc) const;
  // The target address of funcdata `index`; nullopt when absent.
  std::optional<std::uint64_t> funcdata(const Func& f, std::uint8_t index) const;
  std::optional<InlinedCall> inlined_call(std::uint64_t tree, std::int32_t index) const;

  // Why the last read failed, if one did.
  const std::string& error() const { return region_->error(); }

 private:
  PcLnTab(const RemoteReader& reader, const ModuleData& md, std::uint64_t gofunc,
          std::unique_ptr<RemoteRegion> region);
  std::optional<Func> func_at_index(std::uint64_t i) const;
  std::optional<std::uint64_t> ftab_entry(std::uint64_t i) const;
  // `length` bytes at `offset` into table `s`, loaded; nullopt outside it.
  std::optional<binfmt::ByteView> bytes(const Slice& s, std::uint64_t offset, std::uint64_t length) const;
  // The NUL-terminated string at `offset` of table `s`.
  std::optional<std::string_view> cstring(const Slice& s, std::uint64_t offset) const;
  template <class T>
  std::optional<T> number(const Slice& s, std::uint64_t offset) const {
    auto b = bytes(s, offset, sizeof(T));
    if (!b) return std::nullopt;
    return binfmt::load<T>(b->data(), binfmt::Endian::kLittle);
  }

  const RemoteReader& reader_;
  ModuleData md_;
  std::uint64_t gofunc_;
  std::unique_ptr<RemoteRegion> region_;
  mutable std::unordered_map<std::uint64_t, std::optional<std::int32_t>> pcvalue_cache_;
  mutable std::unordered_map<std::uint64_t, Func> find_cache_;
};

}  // namespace gops::goruntime
