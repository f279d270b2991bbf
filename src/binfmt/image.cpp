#include "binfmt/image.hpp"

#include <algorithm>
#include <string>

namespace gops::binfmt {

std::optional<ByteView> Image::read_at(std::uint64_t addr, std::uint64_t size) const {
  for (const auto& seg : segments) {
    if (seg.filesz == 0 || addr < seg.vaddr || addr - seg.vaddr >= seg.filesz) continue;
    std::uint64_t within = addr - seg.vaddr;
    std::uint64_t n = std::min(size, seg.filesz - within);
    auto start = checked_add(seg.offset, within);
    if (!start) return std::nullopt;
    // The first segment holding addr decides, as in Go: its bytes must be there.
    return file.sub(*start, n);
  }
  return std::nullopt;
}

Result<Image> read_image(ByteView file) {
  auto head = file.sub(0, 16);
  if (!head) return Error{std::string(kUnrecognizedFormat)};
  std::string_view magic = head->chars();
  if (magic.starts_with("\x7f" "ELF")) return read_elf(file);
  if (magic.starts_with("MZ")) return read_pe(file);
  if (magic.starts_with("\xfe\xed\xfa") || magic.substr(1).starts_with("\xfa\xed\xfe") ||
      magic.starts_with("\xca\xfe\xba\xbe") || magic.starts_with("\xca\xfe\xba\xbf"))
    return read_macho(file);
  return Error{std::string(kUnrecognizedFormat)};
}

}  // namespace gops::binfmt
