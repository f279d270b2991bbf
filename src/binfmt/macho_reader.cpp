// Mach-O (32/64-bit, either byte order, and universal "fat" files) into the
// native Image. The byte order comes from the magic, the width from which
// magic; the two layouts of segment/section/nlist are one table below.
#include <string>

#include "binfmt/image.hpp"

namespace gops::binfmt {
namespace {

constexpr std::uint32_t kMagic32 = 0xfeedface, kMagic64 = 0xfeedfacf;
constexpr std::uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;
constexpr std::uint32_t kLcSegment = 0x1, kLcSegment64 = 0x19, kLcSymtab = 0x2;
constexpr std::uint32_t kVmProtWrite = 2, kVmProtRw = 3;
constexpr std::uint32_t kSectionTypeMask = 0xff;
constexpr std::uint32_t kZerofill = 0x1, kGbZerofill = 0xc, kThreadLocalZerofill = 0x12;

struct Layout {
  bool is64;
  std::size_t header_size;
  std::size_t seg_size, seg_name, seg_vmaddr, seg_fileoff, seg_filesize, seg_maxprot, seg_initprot, seg_nsects;
  std::size_t sect_size, sect_name, sect_addr, sect_size_field, sect_offset, sect_flags;
  std::size_t nlist_size, n_value;
};

constexpr Layout kMachO32{false, 28, 56, 8, 24, 32, 36, 40, 44, 48, 68, 0, 32, 36, 40, 56, 12, 8};
constexpr Layout kMachO64{true, 32, 72, 8, 24, 40, 48, 56, 60, 64, 80, 0, 32, 40, 48, 64, 16, 8};

Error bad(std::string_view what) { return Error{"malformed Mach-O file: " + std::string(what)}; }

std::uint64_t nsects_of(const Record& seg, const Layout* L) { return seg.u32(L->seg_nsects); }

bool is_zerofill(std::uint32_t flags) {
  std::uint32_t type = flags & kSectionTypeMask;
  return type == kZerofill || type == kGbZerofill || type == kThreadLocalZerofill;
}

std::optional<std::uint64_t> find_macho_symbol(const Layout* L, Endian e, ByteView symbols, std::uint64_t count,
                                               ByteView strings, std::string_view name) {
  for (std::uint64_t i = 0; i < count; ++i) {
    auto sym = Record::at(symbols, i * L->nlist_size, L->nlist_size, e);
    if (!sym) return std::nullopt;
    auto s = strings.cstr(sym->u32(0));
    if (!s) continue;
    // C symbols carry a leading underscore on Mach-O; Go's may or may not.
    if (*s == name || (s->size() == name.size() + 1 && s->front() == '_' && s->substr(1) == name))
      return sym->word(L->n_value, L->is64);
  }
  return std::nullopt;
}

Result<Image> read_thin(ByteView file) {
  auto be_magic = file.read<std::uint32_t>(0, Endian::kBig);
  if (!be_magic) return bad("truncated header");
  Endian e = Endian::kBig;
  std::uint32_t magic = *be_magic;
  if (magic != kMagic32 && magic != kMagic64) {
    e = Endian::kLittle;
    magic = *file.read<std::uint32_t>(0, Endian::kLittle);
    if (magic != kMagic32 && magic != kMagic64) return bad("bad magic");
  }
  const Layout* L = magic == kMagic64 ? &kMachO64 : &kMachO32;
  auto hdr = Record::at(file, 0, L->header_size, e);
  if (!hdr) return bad("truncated header");
  std::uint64_t ncmds = hdr->u32(16), sizeofcmds = hdr->u32(20);
  auto cmds = file.sub(L->header_size, sizeofcmds);
  if (!cmds) return bad("load commands outside the file");

  Image img;
  img.format = Format::kMachO;
  img.ptr_size = L->is64 ? 8 : 4;
  img.endian = e;
  img.file = file;
  std::optional<std::uint64_t> first_rw_segment;
  std::uint64_t off = 0;
  for (std::uint64_t i = 0; i < ncmds; ++i) {
    auto lc = Record::at(*cmds, off, 8, e);
    if (!lc) return bad("load command outside its table");
    std::uint32_t cmd = lc->u32(0), cmdsize = lc->u32(4);
    if (cmdsize < 8) return bad("load command too small");
    auto body = cmds->sub(off, cmdsize);
    if (!body) return bad("load command outside its table");
    off += cmdsize;

    if (cmd == (L->is64 ? kLcSegment64 : kLcSegment)) {
      auto seg = Record::at(*body, 0, L->seg_size, e);
      if (!seg) return bad("segment command too small");
      std::string_view segname = seg->fixed_string(L->seg_name, 16);
      std::uint64_t vmaddr = seg->word(L->seg_vmaddr, L->is64), filesz = seg->word(L->seg_filesize, L->is64);
      std::uint32_t initprot = seg->u32(L->seg_initprot), maxprot = seg->u32(L->seg_maxprot);
      // __PAGEZERO maps no file bytes; Go skips it when resolving addresses.
      if (!model_fits(file, img.sections.size() + nsects_of(*seg, L), img.segments.size() + 1))
        return bad("more headers than the file can hold");
      if (segname != "__PAGEZERO") img.segments.push_back({vmaddr, seg->word(L->seg_fileoff, L->is64), filesz});
      if (!first_rw_segment && vmaddr != 0 && filesz != 0 && initprot == kVmProtRw && maxprot == kVmProtRw)
        first_rw_segment = vmaddr;
      std::uint64_t nsects = seg->u32(L->seg_nsects);
      auto table_bytes = checked_mul(nsects, L->sect_size);
      auto sects = table_bytes ? body->sub(L->seg_size, *table_bytes) : std::nullopt;
      if (!sects) return bad("sections outside their segment command");
      for (std::uint64_t j = 0; j < nsects; ++j) {
        auto sr = Record::at(*sects, j * L->sect_size, L->sect_size, e);
        Section s;
        s.name = sr->fixed_string(L->sect_name, 16);
        s.vaddr = sr->word(L->sect_addr, L->is64);
        s.offset = sr->u32(L->sect_offset);
        s.size = is_zerofill(sr->u32(L->sect_flags)) ? 0 : sr->word(L->sect_size_field, L->is64);
        s.writable = (initprot & kVmProtWrite) != 0;
        if (s.name == "__gopclntab" || s.name == "__go_buildinfo" || s.name == "__gosymtab") img.has_go_sections = true;
        img.sections.push_back(s);
      }
    } else if (cmd == kLcSymtab) {
      auto st = Record::at(*body, 0, 24, e);
      if (!st) return bad("symtab command too small");
      std::uint64_t nsyms = st->u32(12);
      auto bytes = checked_mul(nsyms, L->nlist_size);
      std::uint64_t sym_off = st->u32(8), str_off = st->u32(16), str_size = st->u32(20);
      if (bytes) {  // located now, read only if a lookup happens
        img.find_symbol = [=, sym_size = *bytes](std::string_view name) -> std::optional<std::uint64_t> {
          auto symbols = file.sub(sym_off, sym_size);
          auto strings = file.sub(str_off, str_size);
          if (!symbols || !strings) return std::nullopt;
          return find_macho_symbol(L, e, *symbols, nsyms, *strings, name);
        };
      }
    }
  }
  if (const Section* bi = img.section("__go_buildinfo")) img.data_start = bi->vaddr;
  else img.data_start = first_rw_segment;
  return img;
}

}  // namespace

Result<Image> read_macho(ByteView file) {
  auto magic = file.read<std::uint32_t>(0, Endian::kBig);
  if (!magic) return bad("truncated header");
  if (*magic != kFatMagic && *magic != kFatMagic64) return read_thin(file);

  // Universal binary: big-endian arch table; the first slice that reads wins.
  const bool fat64 = *magic == kFatMagic64;
  const std::uint64_t entry = fat64 ? 32 : 20;
  auto nfat = file.read<std::uint32_t>(4, Endian::kBig);
  if (!nfat) return bad("truncated universal header");
  auto bytes = checked_mul(*nfat, entry);
  auto archs = bytes ? file.sub(8, *bytes) : std::nullopt;
  if (!archs || *nfat == 0) return bad("universal arch table outside the file");
  Error last = bad("no architecture");
  for (std::uint64_t i = 0; i < *nfat; ++i) {
    auto a = Record::at(*archs, i * entry, entry, Endian::kBig);
    std::uint64_t offset = fat64 ? a->u64(8) : a->u32(8);
    std::uint64_t size = fat64 ? a->u64(16) : a->u32(12);
    auto slice = file.sub(offset, size);
    if (!slice) {
      last = bad("architecture slice outside the file");
      continue;
    }
    auto img = read_thin(*slice);
    if (img) return img;
    last = img.error();
  }
  return last;
}

}  // namespace gops::binfmt
