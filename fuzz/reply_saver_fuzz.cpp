// How the CLI saves a binary reply (client/reply_saver.hpp): the agent's
// bytes, cut into chunks as the socket delivers them (the first input byte
// chooses the chunk length, the second the size cap). Either the reply is
// saved exactly, or it is refused whole: an agent error line (nothing
// written, and the line shown escaped is one line), an empty reply, or the
// cap (nothing more written past it).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "client/reply_saver.hpp"
#include "common/text.hpp"
#include "protocol/agent_error.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = data[0] % 64 + 1;
  const std::uint64_t cap = data[1] == 0xff ? UINT64_MAX : static_cast<std::uint64_t>(data[1]) * 37;
  std::string_view reply(reinterpret_cast<const char*>(data + 2), size - 2);

  std::string written;
  gops::client::ReplySaver saver(
      [&](std::span<const char> bytes) -> gops::Status {
        written.append(bytes.data(), bytes.size());
        return gops::Ok{};
      },
      cap);
  gops::Status status = gops::Ok{};
  for (std::size_t at = 0; at < reply.size() && status.ok(); at += chunk)
    status = saver.take({reply.data() + at, std::min(chunk, reply.size() - at)});
  if (!status.ok()) {
    check(reply.size() > cap);  // only the cap stops the stream
    check(written.size() <= cap);
    return 0;
  }
  gops::Status finished = saver.finish("empty");
  if (finished.ok()) {
    check(written == reply);
    check(saver.first_byte() == reply.front());
  } else if (reply.empty()) {
    check(finished.message() == "empty");
  } else {
    check(written.empty());
    check(gops::protocol::is_agent_error(reply));
    check(reply.size() < gops::client::ReplySaver::kMessageLimit);
    std::string shown = gops::text::escape_for_terminal(finished.message());
    for (char c : shown) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  }
  return 0;
}
