#include "goruntime/pclntab.hpp"

#include <algorithm>
#include <cstring>

namespace gops::goruntime {
namespace {

using binfmt::ByteView;

// _func field offsets by format (runtime2.go / symtab.go of each release).
struct FuncLayout {
  int entry_size;  // 8: absolute entry (1.16/1.17); 4: offset from textStart
  int nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cu_offset, start_line, func_id, flag, nfuncdata;
  int size;
};
constexpr FuncLayout kFunc116{8, 8, 12, 16, 20, 24, 28, 32, 36, -1, 40, 41, 43, 44};
constexpr FuncLayout kFunc118{4, 4, 8, 12, 16, 20, 24, 28, 32, -1, 36, 37, 39, 40};
constexpr FuncLayout kFunc120{4, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 41, 43, 44};

const FuncLayout& func_layout(PclnFormat f) {
  switch (f) {
    case PclnFormat::k116: return kFunc116;
    case PclnFormat::k118: return kFunc118;
    case PclnFormat::k120: break;
  }
  return kFunc120;
}

// Strings longer than this in the name and file tables are corrupt.
constexpr std::uint64_t kMaxString = 64 * 1024;

}  // namespace

Result<std::unique_ptr<PcLnTab>> PcLnTab::open(const attach::ProcessMemory& memory, const RemoteReader& reader,
                                               const ModuleData& md, std::uint64_t gofunc) {
  std::uint64_t end = md.pcheader;
  for (const Slice* s : {&md.funcnametab, &md.cutab, &md.filetab, &md.pctab, &md.pclntable, &md.ftab}) {
    if (s->ptr < md.pcheader) return Error{"the Go function table's extents are inconsistent"};
    end = std::max(end, s->end());
  }
  std::uint64_t size = end - md.pcheader;
  if (size > (std::uint64_t{1} << 32)) return Error{"the Go function table is implausibly large"};
  auto region = std::make_unique<RemoteRegion>(memory, md.pcheader, size);
  if (region->size() != size) return Error{region->error()};
  return std::unique_ptr<PcLnTab>(new PcLnTab(reader, md, gofunc, std::move(region)));
}

PcLnTab::PcLnTab(const RemoteReader& reader, const ModuleData& md, std::uint64_t gofunc,
                 std::unique_ptr<RemoteRegion> region)
    : reader_(reader), md_(md), gofunc_(gofunc), region_(std::move(region)) {}

std::optional<ByteView> PcLnTab::bytes(const Slice& s, std::uint64_t offset, std::uint64_t length) const {
  auto end = binfmt::checked_add(offset, length);
  if (!end || *end > s.len) return std::nullopt;
  return region_->view().sub(s.ptr - md_.pcheader + offset, length);
}

std::optional<std::string_view> PcLnTab::cstring(const Slice& s, std::uint64_t offset) const {
  if (offset >= s.len) return std::nullopt;
  // Load in growing steps: names are short, and a page may end mid-table.
  for (std::uint64_t want = 64;; want *= 4) {
    std::uint64_t n = std::min({want, s.len - offset, kMaxString});
    auto b = bytes(s, offset, n);
    if (!b) return std::nullopt;
    auto chars = b->chars();
    auto nul = chars.find('\0');
    if (nul != std::string_view::npos) return chars.substr(0, nul);
    if (n < want) return std::nullopt;  // table or limit ended first
  }
}

std::string_view PcLnTab::name_at(std::int32_t nameoff) const {
  if (nameoff < 0) return "?";
  return cstring(md_.funcnametab, static_cast<std::uint64_t>(nameoff)).value_or("?");
}

std::optional<std::uint64_t> PcLnTab::ftab_entry(std::uint64_t i) const {
  if (md_.format == PclnFormat::k116) return number<std::uint64_t>(md_.ftab, i * 16);
  auto off = number<std::uint32_t>(md_.ftab, i * 8);
  if (!off) return std::nullopt;
  return md_.text_start + *off;
}

std::optional<Func> PcLnTab::func_at_index(std::uint64_t i) const {
  if (i >= md_.nfunc) return std::nullopt;
  const FuncLayout& L = func_layout(md_.format);
  std::optional<std::uint64_t> funcoff = md_.format == PclnFormat::k116
                                             ? number<std::uint64_t>(md_.ftab, i * 16 + 8)
                                             : std::optional<std::uint64_t>(number<std::uint32_t>(md_.ftab, i * 8 + 4));
  auto next = ftab_entry(i + 1);
  if (!funcoff || !next) return std::nullopt;
  auto rec = bytes(md_.pclntable, *funcoff, static_cast<std::uint64_t>(L.size));
  if (!rec) return std::nullopt;
  auto u32 = [&](int off) { return binfmt::load<std::uint32_t>(rec->data() + off, binfmt::Endian::kLittle); };
  Func f;
  f.address = md_.pclntable.ptr + *funcoff;
  f.entry = L.entry_size == 8 ? binfmt::load<std::uint64_t>(rec->data(), binfmt::Endian::kLittle)
                              : md_.text_start + u32(0);
  f.end = *next;
  f.nameoff = static_cast<std::int32_t>(u32(L.nameoff));
  f.args = static_cast<std::int32_t>(u32(L.args));
  f.deferreturn = u32(L.deferreturn);
  f.pcsp = u32(L.pcsp);
  f.pcfile = u32(L.pcfile);
  f.pcln = u32(L.pcln);
  f.npcdata = u32(L.npcdata);
  f.cu_offset = u32(L.cu_offset);
  f.start_line = L.start_line >= 0 ? static_cast<std::int32_t>(u32(L.start_line)) : 0;
  f.func_id = rec->data()[L.func_id];
  f.flag = rec->data()[L.flag];
  f.nfuncdata = rec->data()[L.nfuncdata];
  if (f.npcdata > 1024) return std::nullopt;
  return f;
}

std::optional<Func> PcLnTab::find(std::uint64_t pc) const {
  if (!in_text(pc)) return std::nullopt;
  if (auto it = find_cache_.find(pc); it != find_cache_.end()) return it->second;
  // The last function whose entry is <= pc (entries ascend).
  std::uint64_t lo = 0, hi = md_.nfunc;  // answer in [lo, hi)
  while (hi - lo > 1) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    auto e = ftab_entry(mid);
    if (!e) return std::nullopt;
    if (*e <= pc) lo = mid; else hi = mid;
  }
  auto f = func_at_index(lo);
  if (!f || pc < f->entry || pc >= f->end) return std::nullopt;
  find_cache_.emplace(pc, *f);
  return f;
}

std::optional<Func> PcLnTab::find_by_name(std::string_view name) const {
  std::optional<Func> out;
  scan_names([&](std::string_view n) { return n == name; },
             [&](std::string_view, const Func& f) {
               out = f;
               return true;
             });
  return out;
}

void PcLnTab::scan_names(const std::function<bool(std::string_view)>& wanted,
                         const std::function<bool(std::string_view, const Func&)>& found) const {
  for (std::uint64_t i = 0; i < md_.nfunc; ++i) {
    auto f = func_at_index(i);
    if (!f) return;
    std::string_view name = name_at(f->nameoff);
    if (wanted(name) && found(name, *f)) return;
  }
}

std::optional<std::int32_t> PcLnTab::pcvalue(const Func& f, std::uint32_t table, std::uint64_t pc) const {
  if (table == 0 || pc < f.entry || pc >= f.end) return std::nullopt;
  std::uint64_t key = (static_cast<std::uint64_t>(table) << 32) ^ (pc - md_.text);
  if (auto it = pcvalue_cache_.find(key); it != pcvalue_cache_.end()) return it->second;

  // step() of symtab.go: (value delta, pc delta) varint pairs; the value
  // starts at -1, the first delta may be 0, a later 0 ends the table.
  std::optional<std::int32_t> result;
  std::uint64_t pos = table;
  std::uint64_t cur = f.entry;
  std::int32_t val = -1;
  auto byte = [&]() -> std::optional<std::uint8_t> {
    auto b = bytes(md_.pctab, pos++, 1);
    if (!b) return std::nullopt;
    return b->data()[0];
  };
  auto varint = [&]() -> std::optional<std::uint32_t> {
    std::uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      auto b = byte();
      if (!b) return std::nullopt;
      v |= static_cast<std::uint32_t>(*b & 0x7f) << shift;
      if ((*b & 0x80) == 0) return v;
    }
    return std::nullopt;
  };
  for (bool first = true;; first = false) {
    auto uv = varint();
    if (!uv || (*uv == 0 && !first)) break;
    val += static_cast<std::int32_t>(-(*uv & 1) ^ (*uv >> 1));
    auto pcd = varint();
    if (!pcd) break;
    cur += *pcd;  // PC quantum 1 on x86
    if (pc < cur) {
      result = val;
      break;
    }
  }
  pcvalue_cache_.emplace(key, result);
  return result;
}

PcLnTab::FileLine PcLnTab::file_line(const Func& f, std::uint64_t pc) const {
  FileLine fl;
  auto fileno = pcvalue(f, f.pcfile, pc);
  auto line = pcvalue(f, f.pcln, pc);
  if (!fileno || !line || *fileno < 0 || *line < 0) return fl;
  auto fileoff = number<std::uint32_t>(md_.cutab, (static_cast<std::uint64_t>(f.cu_offset) + static_cast<std::uint64_t>(*fileno)) * 4);
  if (!fileoff || *fileoff == ~std::uint32_t{0}) return fl;
  fl.file = cstring(md_.filetab, *fileoff).value_or("?");
  fl.line = *line;
  return fl;
}

std::optional<std::int32_t> PcLnTab::pcdata(const Func& f, std::uint32_t index, std::uint64_t pc) const {
  if (index >= f.npcdata) return std::nullopt;
  const FuncLayout& L = func_layout(md_.format);
  std::uint64_t funcoff = f.address - md_.pclntable.ptr;
  auto table = number<std::uint32_t>(md_.pclntable, funcoff + static_cast<std::uint64_t>(L.size) + 4 * index);
  if (!table) return std::nullopt;
  return pcvalue(f, *table, pc);
}

std::optional<std::uint64_t> PcLnTab::funcdata(const Func& f, std::uint8_t index) const {
  if (index >= f.nfuncdata) return std::nullopt;
  const FuncLayout& L = func_layout(md_.format);
  std::uint64_t funcoff = f.address - md_.pclntable.ptr;
  std::uint64_t at = funcoff + static_cast<std::uint64_t>(L.size) + 4ull * f.npcdata;
  if (md_.format == PclnFormat::k116) {
    // Pointers, aligned to 8 in memory.
    if ((md_.pclntable.ptr + at) & 4) at += 4;
    auto p = number<std::uint64_t>(md_.pclntable, at + 8ull * index);
    if (!p || *p == 0) return std::nullopt;
    return *p;
  }
  auto off = number<std::uint32_t>(md_.pclntable, at + 4ull * index);
  if (!off || *off == ~std::uint32_t{0} || gofunc_ == 0) return std::nullopt;
  return gofunc_ + *off;
}

std::optional<InlinedCall> PcLnTab::inlined_call(std::uint64_t tree, std::int32_t index) const {
  if (index < 0) return std::nullopt;
  InlinedCall c;
  if (md_.format == PclnFormat::k120) {
    // {funcID uint8, _ [3]byte, nameOff int32, parentPc int32, startLine int32}
    std::uint8_t buf[16];
    if (!reader_.read(tree + 16ull * static_cast<std::uint64_t>(index), buf)) return std::nullopt;
    c.func_id = buf[0];
    std::memcpy(&c.nameoff, buf + 4, 4);
    std::memcpy(&c.parent_pc, buf + 8, 4);
    return c;
  }
  // {parent int16, funcID uint8, _ byte, file int32, line int32, func_ int32, parentPc int32}
  std::uint8_t buf[20];
  if (!reader_.read(tree + 20ull * static_cast<std::uint64_t>(index), buf)) return std::nullopt;
  c.func_id = buf[2];
  std::memcpy(&c.nameoff, buf + 12, 4);
  std::memcpy(&c.parent_pc, buf + 16, 4);
  return c;
}

}  // namespace gops::goruntime
