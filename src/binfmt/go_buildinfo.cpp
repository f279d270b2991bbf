#include "binfmt/go_buildinfo.hpp"

#include <string>

#include "binfmt/go_info.hpp"

namespace gops::binfmt {
namespace {

constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr std::uint64_t kAlign = 16;       // the linker aligns the blob to 16
constexpr std::uint64_t kHeaderSize = 32;  // magic, sizes, two pointers (or padding)
constexpr std::uint64_t kWindow = 64 * 1024;  // Go reads this much from the data start
constexpr std::uint8_t kFlagInline = 2;  // bit 0 is the byte order
constexpr std::size_t kSentinel = 16;  // cmd/go's infoStart/infoEnd around the module text

Error not_go() { return Error{std::string(kNotGoExecutable)}; }

// An unsigned LEB128 varint; nothing if truncated or over 64 bits.
std::optional<std::uint64_t> uvarint(std::string_view s, std::size_t* used) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < s.size() && i < 10; ++i) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if (i == 9 && b > 1) return std::nullopt;
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *used = i + 1;
      return v;
    }
  }
  return std::nullopt;
}

// Inline form: a varint length, then the bytes. As Go's decodeString, a
// string may not run to the very end of the window (">=" is Go's).
std::string_view decode_string(std::string_view* data) {
  std::size_t n = 0;
  auto len = uvarint(*data, &n);
  if (!len || *len >= data->size() - n) {
    *data = {};
    return {};
  }
  std::string_view s = data->substr(n, *len);
  data->remove_prefix(n + *len);
  return s;
}

// Pointer form: the Go string header (data pointer, length) at addr.
std::string_view read_go_string(const Image& img, std::uint64_t addr, unsigned ptr_size, Endian e) {
  auto hdr = img.read_at(addr, 2ull * ptr_size);
  if (!hdr || hdr->size() < 2ull * ptr_size) return {};
  auto word = [&](std::uint64_t off) {
    return ptr_size == 4 ? *hdr->read<std::uint32_t>(off, e) : *hdr->read<std::uint64_t>(off, e);
  };
  std::uint64_t data_addr = word(0), len = word(ptr_size);
  auto data = img.read_at(data_addr, len);
  if (!data || data->size() < len) return {};
  return data->chars();
}

std::string_view strip_sentinels(std::string_view mod) {
  // The same test as Go: long enough, and a newline ends the text proper.
  if (mod.size() >= 2 * kSentinel + 1 && mod[mod.size() - kSentinel - 1] == '\n')
    return mod.substr(kSentinel, mod.size() - 2 * kSentinel);
  return {};
}

}  // namespace

Result<RawGoInfo> read_build_info_blob(const Image& img) {
  // No candidate: Go reads at address 0, which no real binary maps.
  auto window = img.read_at(img.data_start.value_or(0), kWindow);
  if (!window) return Error{std::string(kUnrecognizedFormat)};
  const std::string_view all = window->chars();
  // The first 16-aligned magic (alignment relative to the data start).
  std::size_t at = 0;
  for (std::size_t from = 0;;) {
    std::size_t i = all.find(kMagic, from);
    if (i == std::string_view::npos || all.size() - i < kHeaderSize) return not_go();
    if (i % kAlign == 0) {
      at = i;
      break;
    }
    from = (i + kAlign - 1) / kAlign * kAlign;
  }
  const std::string_view data = all.substr(at);
  const ByteView header = *window->sub(at, kHeaderSize);

  RawGoInfo info;
  const auto ptr_size = static_cast<std::uint8_t>(data[14]);
  const auto flags = static_cast<std::uint8_t>(data[15]);
  std::string_view mod;
  if (flags & kFlagInline) {
    std::string_view rest = data.substr(kHeaderSize);
    info.version = decode_string(&rest);
    mod = decode_string(&rest);
  } else {
    // Go 1.13-1.17: the flags byte is the byte order (0 little, else big).
    if (ptr_size != 4 && ptr_size != 8) return not_go();
    const Endian e = flags != 0 ? Endian::kBig : Endian::kLittle;
    auto ptr = [&](std::uint64_t off) {
      return ptr_size == 4 ? *header.read<std::uint32_t>(off, e) : *header.read<std::uint64_t>(off, e);
    };
    info.version = read_go_string(img, ptr(16), ptr_size, e);
    mod = read_go_string(img, ptr(16 + ptr_size), ptr_size, e);
  }
  if (info.version.empty()) return not_go();
  info.module = strip_sentinels(mod);
  return info;
}

Result<RawGoInfo> read_raw_go_info(const Image& img) {
  auto blob = read_build_info_blob(img);
  if (blob.ok()) return blob;
  // Before Go 1.13: runtime.buildVersion is a Go string (header) in the
  // data. Only binaries with Go sections are worth the symbol-table scan
  // (every Go toolchain since 1.2 writes .gopclntab), which keeps it off the
  // process list's path for C and C++ programs.
  if (img.has_go_sections && img.find_symbol) {
    if (auto addr = img.find_symbol("runtime.buildVersion")) {
      std::string_view v = read_go_string(img, *addr, img.ptr_size, img.endian);
      if (!v.empty()) return RawGoInfo{v, {}};
    }
  }
  if (img.has_go_sections) return RawGoInfo{kUnknownGoVersion, {}};
  return blob;
}

}  // namespace gops::binfmt
