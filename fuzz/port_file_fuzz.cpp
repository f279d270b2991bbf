// A port file's contents (protocol/port_file.hpp), which root may read from
// another user's dir: a port in 1..65535 or an error whose text, shown
// escaped, is one line without control bytes.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/text.hpp"
#include "protocol/port_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  auto port = gops::protocol::parse_port(contents);
  if (port.ok()) {
    if (*port == 0) __builtin_trap();
    // Only digits between the whitespace.
    for (char c : contents)
      if (!std::isdigit(static_cast<unsigned char>(c)) && !std::isspace(static_cast<unsigned char>(c))) __builtin_trap();
  } else {
    std::string shown = gops::text::escape_for_terminal(port.message());
    for (char c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  return 0;
}
