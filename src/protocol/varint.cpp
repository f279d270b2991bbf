#include "protocol/varint.hpp"

namespace gops::protocol {

EncodedVarint put_uvarint(std::uint64_t v) {
  EncodedVarint out;
  while (v >= 0x80) {
    out.bytes[out.size++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out.bytes[out.size++] = static_cast<std::uint8_t>(v);
  return out;
}

EncodedVarint put_varint(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v) << 1;
  if (v < 0) u = ~u;
  return put_uvarint(u);
}

VarintState VarintDecoder::feed(std::uint8_t b) {
  if (count_ == kMaxVarintLen64) return VarintState::kOverflow;
  ++count_;
  if (b < 0x80) {
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (count_ == kMaxVarintLen64 && b > 1) return VarintState::kOverflow;
    value_ |= static_cast<std::uint64_t>(b) << shift_;
    return VarintState::kDone;
  }
  if (count_ == kMaxVarintLen64) return VarintState::kOverflow;
  value_ |= static_cast<std::uint64_t>(b & 0x7f) << shift_;
  shift_ += 7;
  return VarintState::kNeedMore;
}

std::int64_t VarintDecoder::svalue() const {
  auto x = static_cast<std::int64_t>(value_ >> 1);
  if (value_ & 1) x = ~x;
  return x;
}

namespace {
std::optional<VarintDecoder> decode(std::span<const std::uint8_t> in, std::size_t* used) {
  VarintDecoder d;
  for (std::size_t i = 0; i < in.size(); ++i) {
    switch (d.feed(in[i])) {
      case VarintState::kNeedMore: continue;
      case VarintState::kOverflow: return std::nullopt;
      case VarintState::kDone:
        if (used) *used = i + 1;
        return d;
    }
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::uint64_t> read_uvarint(std::span<const std::uint8_t> in, std::size_t* used) {
  auto d = decode(in, used);
  if (!d) return std::nullopt;
  return d->uvalue();
}

std::optional<std::int64_t> read_varint(std::span<const std::uint8_t> in, std::size_t* used) {
  auto d = decode(in, used);
  if (!d) return std::nullopt;
  return d->svalue();
}

}  // namespace gops::protocol
