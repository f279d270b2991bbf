// ByteView: the one way the binfmt readers touch file bytes.
//
// Every read of an executable goes through here, so a hostile file cannot
// make a reader step outside its buffer: offsets are combined with checked
// add/multiply, and sub() is strict (a range that does not fit fails; it is
// never clamped to what is there). Fixed-size headers are read as a Record:
// the size is checked once, then the fields are read in the file's byte
// order and come out native, so no code past the reader branches on width or
// endianness.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>

namespace gops::binfmt {

enum class Endian { kLittle, kBig };

inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// Reads an unsigned integer of N bytes at p (the caller has checked the range).
template <class T>
T load(const std::uint8_t* p, Endian e) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    std::size_t shift = (e == Endian::kLittle ? i : sizeof(T) - 1 - i) * 8;
    v = static_cast<T>(v | static_cast<T>(static_cast<T>(p[i]) << shift));
  }
  return v;
}

// Reads a file's bytes on demand (file_image.hpp): load() returns where the
// bytes of [offset, offset + length) are, valid as long as the loader
// lives, or nullptr if they cannot be read. The caller has checked that the
// range lies within the file.
class Loader {
 public:
  virtual ~Loader() = default;
  virtual const std::uint8_t* load(std::uint64_t offset, std::uint64_t length) const = 0;
};

class ByteView {
 public:
  ByteView() = default;
  explicit ByteView(std::span<const std::uint8_t> bytes) : bytes_(bytes), size_(bytes.size()) {}
  // A view of a file of `size` bytes that `loader` reads on demand. Such a
  // root view is read only through sub()/from()/read()/cstr() (which load
  // first); the views those return are plain, loaded views. Its own
  // data(), span() and chars() are empty.
  ByteView(std::uint64_t size, const Loader* loader) : size_(size), loader_(loader) {}

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::span<const std::uint8_t> span() const { return bytes_; }
  std::string_view chars() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  // [offset, offset + length) if it lies wholly inside; nothing otherwise.
  std::optional<ByteView> sub(std::uint64_t offset, std::uint64_t length) const {
    auto end = checked_add(offset, length);
    if (!end || *end > size()) return std::nullopt;
    if (loader_ == nullptr) return ByteView(bytes_.subspan(offset, length));
    const std::uint8_t* bytes = loader_->load(offset, length);
    if (bytes == nullptr) return std::nullopt;
    return ByteView(std::span<const std::uint8_t>(bytes, length));
  }
  // From offset to the end (offset == size() gives an empty view).
  std::optional<ByteView> from(std::uint64_t offset) const {
    if (offset > size()) return std::nullopt;
    return sub(offset, size() - offset);
  }

  template <class T>
  std::optional<T> read(std::uint64_t offset, Endian e) const {
    auto r = sub(offset, sizeof(T));
    if (!r) return std::nullopt;
    return load<T>(r->data(), e);
  }
  std::optional<std::uint8_t> u8(std::uint64_t offset) const { return read<std::uint8_t>(offset, Endian::kLittle); }

  // The NUL-terminated string starting at offset (without the NUL); nothing
  // if offset is outside or no NUL follows.
  std::optional<std::string_view> cstr(std::uint64_t offset) const {
    auto rest = from(offset);
    if (!rest) return std::nullopt;
    std::string_view s = rest->chars();
    auto nul = s.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    return s.substr(0, nul);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::uint64_t size_ = 0;
  const Loader* loader_ = nullptr;
};

// A fixed-size header whose whole extent was checked when it was made, read
// in the file's byte order. Field offsets are constants of the format below
// the record size; a field past it is a bug in the reader, and aborts rather
// than reading out of bounds.
class Record {
 public:
  static std::optional<Record> at(ByteView file, std::uint64_t offset, std::uint64_t size, Endian e) {
    auto v = file.sub(offset, size);
    if (!v) return std::nullopt;
    return Record(*v, e);
  }

  std::uint8_t u8(std::size_t off) const { return get<std::uint8_t>(off); }
  std::uint16_t u16(std::size_t off) const { return get<std::uint16_t>(off); }
  std::uint32_t u32(std::size_t off) const { return get<std::uint32_t>(off); }
  std::uint64_t u64(std::size_t off) const { return get<std::uint64_t>(off); }
  // A 4- or 8-byte address or size, as the file's class says.
  std::uint64_t word(std::size_t off, bool is64) const { return is64 ? u64(off) : u32(off); }
  // A fixed-width name field, NUL-padded (Mach-O segment/section, PE section).
  std::string_view fixed_string(std::size_t off, std::size_t width) const {
    if (off + width > view_.size()) std::abort();
    std::string_view s(reinterpret_cast<const char*>(view_.data()) + off, width);
    return s.substr(0, s.find('\0'));
  }
  ByteView bytes() const { return view_; }

 private:
  Record(ByteView v, Endian e) : view_(v), endian_(e) {}
  template <class T>
  T get(std::size_t off) const {
    if (off + sizeof(T) > view_.size()) std::abort();
    return load<T>(view_.data() + off, endian_);
  }
  ByteView view_;
  Endian endian_;
};

}  // namespace gops::binfmt
