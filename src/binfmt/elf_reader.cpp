// ELF (32/64-bit, either byte order) into the native Image. The class and
// byte order are read once from e_ident; the Ehdr/Phdr/Shdr/Sym field offsets
// for both classes live in one table below, so the rest is width-free.
#include <string>

#include "binfmt/image.hpp"

namespace gops::binfmt {
namespace {

constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPfX = 1, kPfW = 2;
constexpr std::uint32_t kShtSymtab = 2, kShtNobits = 8;
constexpr std::uint64_t kShfWrite = 1;
constexpr std::uint16_t kShnXindex = 0xffff;
constexpr std::uint16_t kPnXnum = 0xffff;

// Field offsets and record sizes of one ELF class.
struct Layout {
  bool is64;
  std::size_t ehdr_size, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
  std::size_t phdr_size, p_type, p_flags, p_offset, p_vaddr, p_filesz;
  std::size_t shdr_size, sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info;
  std::size_t sym_size, st_name, st_value;
};

constexpr Layout kElf32{false, 52, 28, 32, 42, 44, 46, 48, 50,
                        32, 0, 24, 4, 8, 16,
                        40, 0, 4, 8, 12, 16, 20, 24, 28,
                        16, 0, 4};
constexpr Layout kElf64{true, 64, 32, 40, 54, 56, 58, 60, 62,
                        56, 0, 4, 8, 16, 32,
                        64, 0, 4, 8, 16, 24, 32, 40, 44,
                        24, 0, 8};

Error bad(std::string_view what) { return Error{"malformed ELF file: " + std::string(what)}; }

// The checked extent of a table of `count` entries of `entsize` bytes.
std::optional<ByteView> table(ByteView file, std::uint64_t offset, std::uint64_t count, std::uint64_t entsize) {
  auto bytes = checked_mul(count, entsize);
  if (!bytes) return std::nullopt;
  return file.sub(offset, *bytes);
}

// Linear scan of a SYMTAB section for `name`; only the pre-Go 1.13 path uses it.
std::optional<std::uint64_t> find_elf_symbol(const Layout& L, Endian e, ByteView symtab,
                                             std::uint64_t entsize, ByteView strtab, std::string_view name) {
  std::uint64_t count = symtab.size() / entsize;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto sym = Record::at(symtab, i * entsize, L.sym_size, e);
    if (!sym) return std::nullopt;
    auto sym_name = strtab.cstr(sym->u32(L.st_name));
    if (sym_name && *sym_name == name) return sym->word(L.st_value, L.is64);
  }
  return std::nullopt;
}

}  // namespace

Result<Image> read_elf(ByteView file) {
  auto cls = file.u8(4), data = file.u8(5);
  if (!cls || !data) return bad("truncated header");
  if (*cls != 1 && *cls != 2) return bad("unknown class");
  if (*data != 1 && *data != 2) return bad("unknown byte order");
  const Layout& L = *cls == 2 ? kElf64 : kElf32;
  const Endian e = *data == 1 ? Endian::kLittle : Endian::kBig;
  auto eh = Record::at(file, 0, L.ehdr_size, e);
  if (!eh) return bad("truncated header");

  Image img;
  img.format = Format::kElf;
  img.file = file;
  img.ptr_size = L.is64 ? 8 : 4;
  img.endian = e;

  std::uint64_t shoff = eh->word(L.e_shoff, L.is64);
  std::uint64_t shentsize = eh->u16(L.e_shentsize);
  std::uint64_t shnum = eh->u16(L.e_shnum);
  std::uint64_t shstrndx = eh->u16(L.e_shstrndx);
  std::uint64_t phnum = eh->u16(L.e_phnum);
  // Counts too large for the header live in section 0 (ELF extended numbering).
  if (shoff != 0 && (shnum == 0 || shstrndx == kShnXindex || phnum == kPnXnum)) {
    if (shentsize < L.shdr_size) return bad("section header size too small");
    auto s0 = Record::at(file, shoff, L.shdr_size, e);
    if (!s0) return bad("section header table outside the file");
    if (shnum == 0) shnum = s0->word(L.sh_size, L.is64);
    if (shstrndx == kShnXindex) shstrndx = s0->u32(L.sh_link);
    if (phnum == kPnXnum) phnum = s0->u32(L.sh_info);
  }

  if (!model_fits(file, shnum, phnum)) return bad("more headers than the file can hold");

  // Program headers: every one maps file bytes to addresses (Go's ReadData
  // walks them all, in order); the first writable, non-executable PT_LOAD is
  // where the build info lives when there is no .go.buildinfo section.
  std::uint64_t phoff = eh->word(L.e_phoff, L.is64);
  std::uint64_t phentsize = eh->u16(L.e_phentsize);
  if (phnum > 0) {
    if (phentsize < L.phdr_size) return bad("program header size too small");
    auto phdrs = table(file, phoff, phnum, phentsize);
    if (!phdrs) return bad("program header table outside the file");
    img.segments.reserve(phnum);
    for (std::uint64_t i = 0; i < phnum; ++i) {
      auto ph = Record::at(*phdrs, i * phentsize, L.phdr_size, e);
      if (!ph) return bad("program header table outside the file");
      Segment seg{ph->word(L.p_vaddr, L.is64), ph->word(L.p_offset, L.is64), ph->word(L.p_filesz, L.is64)};
      img.segments.push_back(seg);
      std::uint32_t flags = ph->u32(L.p_flags);
      if (!img.data_start && ph->u32(L.p_type) == kPtLoad && (flags & (kPfX | kPfW)) == kPfW)
        img.data_start = seg.vaddr;
    }
  }

  if (shnum > 0) {
    if (shentsize < L.shdr_size) return bad("section header size too small");
    auto shdrs = table(file, shoff, shnum, shentsize);
    if (!shdrs) return bad("section header table outside the file");
    if (shstrndx >= shnum) return bad("section name table index out of range");
    auto names_hdr = Record::at(*shdrs, shstrndx * shentsize, L.shdr_size, e);
    std::optional<ByteView> names;
    if (names_hdr->u32(L.sh_type) != kShtNobits)
      names = file.sub(names_hdr->word(L.sh_offset, L.is64), names_hdr->word(L.sh_size, L.is64));
    if (!names) return bad("section name table outside the file");

    img.sections.reserve(shnum);
    std::optional<std::uint64_t> symtab_index;
    for (std::uint64_t i = 0; i < shnum; ++i) {
      auto sh = Record::at(*shdrs, i * shentsize, L.shdr_size, e);
      Section s;
      s.name = names->cstr(sh->u32(L.sh_name)).value_or(std::string_view{});
      s.vaddr = sh->word(L.sh_addr, L.is64);
      s.offset = sh->word(L.sh_offset, L.is64);
      s.size = sh->u32(L.sh_type) == kShtNobits ? 0 : sh->word(L.sh_size, L.is64);
      s.writable = (sh->word(L.sh_flags, L.is64) & kShfWrite) != 0;
      if (sh->u32(L.sh_type) == kShtSymtab && !symtab_index) symtab_index = i;
      img.sections.push_back(s);
      if (s.name == ".gopclntab" || s.name == ".go.buildinfo" || s.name == ".note.go.buildid" ||
          s.name == ".data.rel.ro.gopclntab")
        img.has_go_sections = true;
    }
    // The .go.buildinfo rule wins over the segment rule (as in Go), and the
    // first such section wins.
    if (const Section* bi = img.section(".go.buildinfo")) img.data_start = bi->vaddr;

    if (symtab_index) {
      // Located now, read only if a lookup happens (the pre-1.13 path).
      auto sh = Record::at(*shdrs, *symtab_index * shentsize, L.shdr_size, e);
      std::uint64_t link = sh->u32(L.sh_link);
      if (link < shnum) {
        auto lh = Record::at(*shdrs, link * shentsize, L.shdr_size, e);
        std::uint64_t sym_off = sh->word(L.sh_offset, L.is64), sym_size = sh->word(L.sh_size, L.is64);
        std::uint64_t str_off = lh->word(L.sh_offset, L.is64), str_size = lh->word(L.sh_size, L.is64);
        img.find_symbol = [=, lp = &L](std::string_view name) -> std::optional<std::uint64_t> {
          auto symtab = file.sub(sym_off, sym_size);
          auto strtab = file.sub(str_off, str_size);
          if (!symtab || !strtab) return std::nullopt;
          return find_elf_symbol(*lp, e, *symtab, lp->sym_size, *strtab, name);
        };
      }
    }
  }
  return img;
}

}  // namespace gops::binfmt
