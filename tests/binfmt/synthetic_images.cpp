#include "binfmt/synthetic_images.hpp"

#include <cstring>

namespace gops::binfmt::test {
namespace {

constexpr char kStartSentinel[] = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6";
constexpr char kEndSentinel[] = "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2";

class Writer {
 public:
  explicit Writer(bool big_endian) : big_(big_endian) {}
  std::vector<std::uint8_t>& bytes() { return b_; }
  std::size_t size() const { return b_.size(); }
  void pad_to(std::size_t n) {
    if (b_.size() < n) b_.resize(n, 0);
  }
  void put(std::size_t at, std::uint64_t v, int width) {
    pad_to(at + static_cast<std::size_t>(width));
    for (int i = 0; i < width; ++i) {
      int shift = (big_ ? width - 1 - i : i) * 8;
      b_[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> shift);
    }
  }
  void put_bytes(std::size_t at, std::string_view s) {
    pad_to(at + s.size());
    std::memcpy(b_.data() + at, s.data(), s.size());
  }

 private:
  bool big_;
  std::vector<std::uint8_t> b_;
};

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string framed(const std::string& module) {
  if (module.empty()) return {};
  return std::string(kStartSentinel, 16) + module + std::string(kEndSentinel, 16);
}

// Writes the blob at file offset `at`, which is mapped at `vaddr`.
void put_blob(Writer& w, std::size_t at, std::uint64_t vaddr, int ptr, bool big, const BlobSpec& spec) {
  w.put_bytes(at, "\xff Go buildinf:");
  w.put(at + 14, static_cast<std::uint64_t>(ptr), 1);
  std::string mod = framed(spec.module);
  if (spec.inline_form) {
    w.put(at + 15, (big ? 1 : 0) | 2, 1);
    w.put_bytes(at + 32, varint(spec.version.size()) + spec.version + varint(mod.size()) + mod);
    w.pad_to(w.size() + 16);  // Go wants bytes after the last string
    return;
  }
  w.put(at + 15, big ? 1 : 0, 1);
  const std::size_t hdrs = at + 32, strings = hdrs + 4 * static_cast<std::size_t>(ptr);
  const std::uint64_t hdrs_va = vaddr + 32, strings_va = hdrs_va + 4 * static_cast<std::uint64_t>(ptr);
  w.put(at + 16, hdrs_va, ptr);
  w.put(at + 16 + static_cast<std::size_t>(ptr), hdrs_va + 2 * static_cast<std::uint64_t>(ptr), ptr);
  w.put(hdrs, strings_va, ptr);
  w.put(hdrs + static_cast<std::size_t>(ptr), spec.version.size(), ptr);
  w.put(hdrs + 2 * static_cast<std::size_t>(ptr), strings_va + spec.version.size(), ptr);
  w.put(hdrs + 3 * static_cast<std::size_t>(ptr), mod.size(), ptr);
  w.put_bytes(strings, spec.version + mod);
  w.pad_to(w.size() + 16);
}

std::size_t align16(std::size_t n) { return (n + 15) / 16 * 16; }

Synthetic make_elf(bool is64, bool big, const BlobSpec& spec) {
  Writer w(big);
  const int word = is64 ? 8 : 4;
  const std::size_t ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32, shsize = is64 ? 64 : 40;
  const std::uint64_t base = 0x10000;
  const std::size_t blob = 0x100;
  Synthetic out;
  out.blob_offset = blob;

  w.put_bytes(0, "\x7f" "ELF");
  w.put(4, is64 ? 2 : 1, 1);
  w.put(5, big ? 2 : 1, 1);
  w.put(6, 1, 1);  // EI_VERSION
  w.put(16, 2, 2);  // ET_EXEC
  w.put(18, is64 ? (big ? 22 : 62) : (big ? 8 : 3), 2);  // s390x/x86-64, MIPS/i386
  w.put(20, 1, 4);
  put_blob(w, blob, base + blob, word, big, spec);

  const std::string shstrtab = std::string("\0.go.buildinfo\0.shstrtab\0", 25);
  const std::size_t strtab_off = w.size();
  w.put_bytes(strtab_off, shstrtab);
  const std::size_t shoff = align16(w.size());
  const std::size_t blob_size = strtab_off - blob;
  const std::size_t file_size = shoff + 3 * shsize;

  // Header fields (offsets differ by class).
  const std::size_t o_phoff = is64 ? 32 : 28, o_shoff = is64 ? 40 : 32, o_ehsize = is64 ? 52 : 40;
  w.put(o_phoff, ehsize, word);
  w.put(o_shoff, shoff, word);
  w.put(o_ehsize, ehsize, 2);
  w.put(o_ehsize + 2, phsize, 2);
  w.put(o_ehsize + 4, 1, 2);   // e_phnum
  w.put(o_ehsize + 6, shsize, 2);
  w.put(o_ehsize + 8, 3, 2);   // e_shnum
  w.put(o_ehsize + 10, 2, 2);  // e_shstrndx
  out.count_field = o_ehsize + 8;
  out.header_table = shoff;

  // One RW PT_LOAD mapping the whole file at `base`.
  const std::size_t ph = ehsize;
  w.put(ph, 1, 4);
  if (is64) {
    w.put(ph + 4, 6, 4);  // PF_R|PF_W
    w.put(ph + 8, 0, 8);
    w.put(ph + 16, base, 8);
    w.put(ph + 24, base, 8);
    w.put(ph + 32, file_size, 8);
    w.put(ph + 40, file_size, 8);
    w.put(ph + 48, 0x1000, 8);
  } else {
    w.put(ph + 4, 0, 4);
    w.put(ph + 8, base, 4);
    w.put(ph + 12, base, 4);
    w.put(ph + 16, file_size, 4);
    w.put(ph + 20, file_size, 4);
    w.put(ph + 24, 6, 4);
    w.put(ph + 28, 0x1000, 4);
  }

  // Sections: null, .go.buildinfo, .shstrtab.
  auto section = [&](std::size_t i, std::uint32_t name, std::uint32_t type, std::uint64_t flags, std::uint64_t addr,
                     std::uint64_t off, std::uint64_t size) {
    std::size_t s = shoff + i * shsize;
    w.put(s, name, 4);
    w.put(s + 4, type, 4);
    w.put(s + 8, flags, word);
    w.put(s + (is64 ? 16 : 12), addr, word);
    w.put(s + (is64 ? 24 : 16), off, word);
    w.put(s + (is64 ? 32 : 20), size, word);
    w.put(s + (is64 ? 48 : 32), 1, word);  // sh_addralign
  };
  w.pad_to(file_size);
  section(1, 1, 1, 3, base + blob, blob, blob_size);  // PROGBITS, SHF_WRITE|SHF_ALLOC
  section(2, 15, 3, 0, 0, strtab_off, shstrtab.size());
  out.bytes = std::move(w.bytes());
  return out;
}

Synthetic make_macho(const BlobSpec& spec) {
  Writer w(false);
  Synthetic out;
  const std::uint64_t base = 0x100000000ull;
  const std::size_t blob = 0x200, cmds = 32, seg_size = 72, sect_size = 80;
  out.blob_offset = blob;
  out.header_table = cmds;
  out.count_field = 16;
  w.put(0, 0xfeedfacf, 4);
  w.put(4, 0x01000007, 4);  // x86-64
  w.put(8, 3, 4);
  w.put(12, 2, 4);  // MH_EXECUTE
  w.put(16, 1, 4);  // ncmds
  w.put(20, seg_size + sect_size, 4);
  put_blob(w, blob, base + blob, 8, false, spec);
  const std::size_t file_size = align16(w.size());
  w.pad_to(file_size);
  w.put(cmds, 0x19, 4);  // LC_SEGMENT_64
  w.put(cmds + 4, seg_size + sect_size, 4);
  w.put_bytes(cmds + 8, "__DATA");
  w.put(cmds + 24, base, 8);
  w.put(cmds + 32, file_size, 8);
  w.put(cmds + 40, 0, 8);
  w.put(cmds + 48, file_size, 8);
  w.put(cmds + 56, 3, 4);
  w.put(cmds + 60, 3, 4);
  w.put(cmds + 64, 1, 4);  // nsects
  const std::size_t s = cmds + seg_size;
  w.put_bytes(s, "__go_buildinfo");
  w.put_bytes(s + 16, "__DATA");
  w.put(s + 32, base + blob, 8);
  w.put(s + 40, file_size - blob, 8);
  w.put(s + 48, blob, 4);
  w.put(s + 52, 4, 4);
  out.bytes = std::move(w.bytes());
  return out;
}

Synthetic make_pe(const BlobSpec& spec) {
  Writer w(false);
  Synthetic out;
  const std::uint64_t image_base = 0x140000000ull;
  const std::size_t pe = 0x40, coff = pe + 4, opt = coff + 20, opt_size = 240, table = opt + opt_size;
  const std::size_t raw = 0x200, rva = 0x1000;
  out.blob_offset = raw;
  out.header_table = table;
  out.count_field = coff + 2;
  w.put_bytes(0, "MZ");
  w.put(0x3c, pe, 4);
  w.put_bytes(pe, std::string("PE\0\0", 4));
  w.put(coff, 0x8664, 2);
  w.put(coff + 2, 1, 2);
  w.put(coff + 16, opt_size, 2);
  w.put(coff + 18, 0x22, 2);
  w.put(opt, 0x20b, 2);
  w.put(opt + 24, image_base, 8);
  w.put(opt + 32, 0x1000, 4);  // SectionAlignment
  w.put(opt + 36, 0x200, 4);   // FileAlignment
  w.put(opt + 108, 16, 4);     // NumberOfRvaAndSizes
  put_blob(w, raw, image_base + rva, 8, false, spec);
  const std::size_t file_size = (w.size() + 0x1ff) / 0x200 * 0x200;
  w.pad_to(file_size);
  w.put(opt + 56, rva + 0x1000, 4);  // SizeOfImage
  w.put(opt + 60, raw, 4);           // SizeOfHeaders
  w.put_bytes(table, ".data");
  w.put(table + 8, file_size - raw, 4);
  w.put(table + 12, rva, 4);
  w.put(table + 16, file_size - raw, 4);
  w.put(table + 20, raw, 4);
  w.put(table + 36, 0xc0000040, 4);
  out.bytes = std::move(w.bytes());
  return out;
}

}  // namespace

Synthetic make_synthetic(Kind kind, const BlobSpec& spec) {
  switch (kind) {
    case Kind::kElf64Le: return make_elf(true, false, spec);
    case Kind::kElf32Le: return make_elf(false, false, spec);
    case Kind::kElf64Be: return make_elf(true, true, spec);
    case Kind::kElf32Be: return make_elf(false, true, spec);
    case Kind::kMachO64: return make_macho(spec);
    case Kind::kPe32Plus: return make_pe(spec);
  }
  return {};
}

const std::vector<Kind>& all_kinds() {
  static const std::vector<Kind> kinds{Kind::kElf64Le, Kind::kElf32Le, Kind::kElf64Be,
                                       Kind::kElf32Be, Kind::kMachO64, Kind::kPe32Plus};
  return kinds;
}

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::kElf64Le: return "elf64le";
    case Kind::kElf32Le: return "elf32le";
    case Kind::kElf64Be: return "elf64be";
    case Kind::kElf32Be: return "elf32be";
    case Kind::kMachO64: return "macho64";
    case Kind::kPe32Plus: return "pe32plus";
  }
  return "?";
}

}  // namespace gops::binfmt::test
