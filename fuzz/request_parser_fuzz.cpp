// The agent's request parser (agent/server/request_parser.hpp) with what
// any local client may send, cut into the pieces a socket may deliver: the
// first input byte chooses the piece length. Whole or in pieces, the parser
// must reach the same state, consume the same bytes and parse the same
// request, and never read past the request.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>

#include "agent/server/request_parser.hpp"
#include "protocol/varint.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using gops::agent::RequestParser;
  if (size == 0) return 0;
  const std::size_t piece = data[0] % 13 + 1;
  std::span<const std::uint8_t> bytes(data + 1, size - 1);

  RequestParser whole;
  std::size_t used_whole = 0;
  RequestParser::State state = whole.feed(bytes, &used_whole);
  check(used_whole <= bytes.size());
  check(state == whole.state());
  // A request is a command byte and at most one 10-byte varint.
  check(used_whole <= 1 + gops::protocol::kMaxVarintLen64);
  if (state == RequestParser::State::kNeedMore) check(used_whole == bytes.size());

  RequestParser pieces;
  std::size_t used_pieces = 0;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    std::size_t used = 0;
    auto part = bytes.subspan(at, std::min(piece, bytes.size() - at));
    pieces.feed(part, &used);
    check(used <= part.size());
    used_pieces += used;
    if (pieces.state() != RequestParser::State::kNeedMore) {
      // Done: nothing more is taken.
      std::size_t more = 1;
      pieces.feed(part.subspan(used), &more);
      check(more == 0);
      break;
    }
  }
  check(pieces.state() == state);
  check(used_pieces == used_whole);
  if (state == RequestParser::State::kComplete) {
    check(pieces.request().command == whole.request().command);
    check(pieces.request().parameter == whole.request().parameter);
    bool signed_parameter = whole.request().command == gops::protocol::Command::kSetGcPercent;
    if (!signed_parameter) check(whole.request().parameter >= 0);
    if (!gops::protocol::takes_varint(whole.request().command)) check(used_whole == 1);
  }
  return 0;
}
