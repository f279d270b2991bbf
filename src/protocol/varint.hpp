// Varints as Go's encoding/binary writes them: unsigned LEB128 (Uvarint) and
// its zig-zag signed form (Varint). Async-signal-safe, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace gops::protocol {

inline constexpr std::size_t kMaxVarintLen64 = 10;

struct EncodedVarint {
  std::array<std::uint8_t, kMaxVarintLen64> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
};

EncodedVarint put_uvarint(std::uint64_t v);
EncodedVarint put_varint(std::int64_t v);

// Outcome of feeding bytes one at a time, for readers on a socket.
enum class VarintState { kNeedMore, kDone, kOverflow };

// Incremental decoder: feed() one byte at a time until it says kDone; a
// varint longer than 10 bytes or beyond 64 bits is kOverflow (as Go's
// binary.ReadUvarint reports "varint overflows a 64-bit integer").
class VarintDecoder {
 public:
  VarintState feed(std::uint8_t b);
  std::uint64_t uvalue() const { return value_; }
  std::int64_t svalue() const;  // zig-zag decoded

 private:
  std::uint64_t value_ = 0;
  unsigned shift_ = 0;
  std::size_t count_ = 0;
};

// Whole-buffer decoding; nullopt if the buffer ends early or overflows.
std::optional<std::uint64_t> read_uvarint(std::span<const std::uint8_t> in, std::size_t* used = nullptr);
std::optional<std::int64_t> read_varint(std::span<const std::uint8_t> in, std::size_t* used = nullptr);

}  // namespace gops::protocol
