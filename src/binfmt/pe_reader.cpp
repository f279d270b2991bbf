// PE (PE32 and PE32+) into the native Image. Sections double as the address
// map (image base + RVA), as in Go's debug/buildinfo.
#include <charconv>
#include <string>

#include "binfmt/image.hpp"

namespace gops::binfmt {
namespace {

constexpr std::uint16_t kPe32 = 0x10b, kPe32Plus = 0x20b;
constexpr std::uint32_t kScnInitializedData = 0x40, kScnMemRead = 0x40000000, kScnMemWrite = 0x80000000;
constexpr std::uint32_t kScnAlign32Bytes = 0x600000;  // the one flag Go ignores when it looks for data
constexpr std::uint64_t kSectionHeaderSize = 40, kSymbolSize = 18;

Error bad(std::string_view what) { return Error{"malformed PE file: " + std::string(what)}; }

// An 8-byte name field; "/123" names live in the string table at offset 123.
std::string_view section_name(const Record& sh, std::optional<ByteView> strings) {
  std::string_view raw = sh.fixed_string(0, 8);
  if (!raw.starts_with('/') || !strings) return raw;
  std::uint64_t off = 0;
  auto [end, ec] = std::from_chars(raw.data() + 1, raw.data() + raw.size(), off);
  if (ec != std::errc{} || end != raw.data() + raw.size()) return raw;
  return strings->cstr(off).value_or(raw);
}

}  // namespace

Result<Image> read_pe(ByteView file) {
  auto lfanew = file.read<std::uint32_t>(0x3c, Endian::kLittle);
  if (!lfanew) return bad("truncated DOS header");
  auto sig = file.sub(*lfanew, 4);
  if (!sig || sig->chars() != std::string_view("PE\0\0", 4)) return bad("no PE signature");
  auto coff = Record::at(file, *lfanew + 4ull, 20, Endian::kLittle);
  if (!coff) return bad("truncated COFF header");
  std::uint64_t nsections = coff->u16(2), symtab_off = coff->u32(8), nsymbols = coff->u32(12);
  std::uint64_t opt_size = coff->u16(16);
  std::uint64_t opt_off = *lfanew + 24ull;
  auto opt_magic = file.read<std::uint16_t>(opt_off, Endian::kLittle);
  if (!opt_magic || opt_size < 2) return bad("truncated optional header");

  Image img;
  img.format = Format::kPe;
  img.endian = Endian::kLittle;
  img.file = file;
  std::uint64_t image_base = 0;
  if (*opt_magic == kPe32Plus) {
    auto opt = Record::at(file, opt_off, 32, Endian::kLittle);
    if (!opt || opt_size < 32) return bad("truncated optional header");
    image_base = opt->u64(24);
    img.ptr_size = 8;
  } else if (*opt_magic == kPe32) {
    auto opt = Record::at(file, opt_off, 32, Endian::kLittle);
    if (!opt || opt_size < 32) return bad("truncated optional header");
    image_base = opt->u32(28);
    img.ptr_size = 4;
  } else {
    return bad("unknown optional header magic");
  }

  // The COFF string table follows the symbol table (long section and symbol names).
  std::optional<ByteView> symbols, strings;
  if (symtab_off != 0) {
    auto sym_bytes = checked_mul(nsymbols, kSymbolSize);
    auto str_off = sym_bytes ? checked_add(symtab_off, *sym_bytes) : std::nullopt;
    if (str_off) {
      symbols = file.sub(symtab_off, *sym_bytes);
      auto str_size = file.read<std::uint32_t>(*str_off, Endian::kLittle);
      if (str_size) strings = file.sub(*str_off, *str_size);
    }
  }

  auto table_bytes = checked_mul(nsections, kSectionHeaderSize);
  auto table = table_bytes ? file.sub(opt_off + opt_size, *table_bytes) : std::nullopt;
  if (!table) return bad("section table outside the file");
  if (!model_fits(file, nsections, nsections)) return bad("more sections than the file can hold");
  img.sections.reserve(nsections);
  img.segments.reserve(nsections);
  for (std::uint64_t i = 0; i < nsections; ++i) {
    auto sh = Record::at(*table, i * kSectionHeaderSize, kSectionHeaderSize, Endian::kLittle);
    std::uint64_t rva = sh->u32(12), raw_size = sh->u32(16), raw_off = sh->u32(20);
    std::uint32_t chars = sh->u32(36);
    Section s;
    s.name = section_name(*sh, strings);
    s.vaddr = image_base + rva;
    s.offset = raw_off;
    s.size = raw_size;
    s.writable = (chars & kScnMemWrite) != 0;
    img.sections.push_back(s);
    img.segments.push_back({s.vaddr, raw_off, raw_size});
    // Go's rule: the first section with an address and bytes that is exactly
    // initialized, readable, writable data (alignment bits aside).
    const std::uint32_t want = kScnInitializedData | kScnMemRead | kScnMemWrite;
    if (!img.data_start && rva != 0 && raw_size != 0 && (chars & ~kScnAlign32Bytes) == want) img.data_start = s.vaddr;
    if (s.name == ".symtab") img.has_go_sections = true;  // the Go linker's COFF symbol section
  }

  if (symbols && strings) {
    img.find_symbol = [sy = *symbols, str = *strings, nsymbols, image_base, tab = *table, nsections](std::string_view name)
        -> std::optional<std::uint64_t> {
      for (std::uint64_t i = 0; i < nsymbols; i += 1 + sy.u8(i * kSymbolSize + 17).value_or(0)) {
        auto rec = Record::at(sy, i * kSymbolSize, kSymbolSize, Endian::kLittle);
        if (!rec) return std::nullopt;
        std::string_view sym_name = rec->u32(0) == 0 ? str.cstr(rec->u32(4)).value_or("") : rec->fixed_string(0, 8);
        if (sym_name != name) continue;
        std::uint16_t section = rec->u16(12);
        if (section == 0 || section > nsections) return std::nullopt;
        auto sh = Record::at(tab, (section - 1ull) * kSectionHeaderSize, kSectionHeaderSize, Endian::kLittle);
        return image_base + sh->u32(12) + rec->u32(8);
      }
      return std::nullopt;
    };
  }
  return img;
}

}  // namespace gops::binfmt
