// The one native model of an executable that the ELF, Mach-O and PE readers
// produce. Width and byte order are gone by the time a reader returns this;
// the Go build-info code and the toolchain lookup work only on it.
//
// Why our own readers instead of libelf: libelf covers ELF only, and gops
// must also read Mach-O and PE files (`gops modules FILE`); with one
// bounds-checked model (byte_view.hpp) for all three, hostile input is
// handled the same way everywhere, and the process list needs only the
// headers, not a full libelf descriptor per executable.
//
// Names and views point into the file's bytes: an Image lives no longer than
// the bytes it was read from.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "binfmt/byte_view.hpp"
#include "binfmt/go_info.hpp"
#include "common/result.hpp"

namespace gops::binfmt {

enum class Format { kElf, kMachO, kPe };

struct Section {
  std::string_view name;
  std::uint64_t vaddr = 0;
  std::uint64_t offset = 0;  // in the file
  std::uint64_t size = 0;    // bytes in the file (0 for .bss-like sections)
  bool writable = false;
};

// A range of the file mapped at a virtual address. ELF: PT_LOAD program
// headers; Mach-O: segments; PE: sections (with the image base added), as
// Go's debug/buildinfo resolves addresses through exactly these.
struct Segment {
  std::uint64_t vaddr = 0;
  std::uint64_t offset = 0;
  std::uint64_t filesz = 0;
};

struct Image {
  Format format = Format::kElf;
  unsigned ptr_size = 8;           // 4 or 8: the target's word size
  Endian endian = Endian::kLittle;  // the target's byte order
  ByteView file;  // the whole image (for a fat Mach-O, the chosen slice)
  std::vector<Section> sections;
  std::vector<Segment> segments;
  // Where Go's linker puts the build-info blob, by the format's own rule (a
  // named section, else the first writable data segment/section); nothing if
  // the format gives no candidate.
  std::optional<std::uint64_t> data_start;
  // The binary has sections only the Go linker makes (.gopclntab & co).
  bool has_go_sections = false;
  // Symbol value (a virtual address) by name; used only for pre-Go 1.13
  // binaries, so it scans the symbol table on demand. Empty: no symbols.
  std::function<std::optional<std::uint64_t>(std::string_view)> find_symbol;

  const Section* section(std::string_view name) const {
    for (const auto& s : sections)
      if (s.name == name) return &s;
    return nullptr;
  }

  // Up to `size` bytes at virtual address `addr`, cut at the end of the
  // segment holding it (as Go's ReadData). Nothing if no segment holds addr
  // or the segment's bytes are not in the file.
  std::optional<ByteView> read_at(std::uint64_t addr, std::uint64_t size) const;
};

// Whether a model of this many sections and segments stays within the
// size of the file it describes: a header claiming more entries than the
// file can hold makes the reader fail instead of allocating for them.
inline bool model_fits(ByteView file, std::uint64_t sections, std::uint64_t segments) {
  auto a = checked_mul(sections, sizeof(Section));
  auto b = checked_mul(segments, sizeof(Segment));
  auto total = a && b ? checked_add(*a, *b) : std::nullopt;
  return total && *total <= file.size();
}

// The three readers. Each fails with a one-line message on malformed input.
Result<Image> read_elf(ByteView file);
Result<Image> read_macho(ByteView file);  // thin or universal (fat): first arch that reads
Result<Image> read_pe(ByteView file);

// Picks the reader by the magic number. "unrecognized file format" otherwise.
Result<Image> read_image(ByteView file);


}  // namespace gops::binfmt
