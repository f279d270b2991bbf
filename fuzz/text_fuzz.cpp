// What the CLI does to bytes before showing them (common/text.hpp): the
// UTF-8 repair gives valid UTF-8, the terminal escape leaves no control
// byte and no invalid UTF-8, base64 has the standard length and alphabet.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/text.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gops::text;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string repaired = to_valid_utf8(bytes);
  check(is_valid_utf8(repaired));
  if (is_valid_utf8(bytes)) check(repaired == bytes);
  std::string shown = escape_for_terminal(bytes);
  check(is_valid_utf8(shown));
  for (std::size_t i = 0; i < shown.size(); ++i) {
    auto c = static_cast<unsigned char>(shown[i]);
    check(c >= 0x20 && c != 0x7f);
    if (c == 0xc2 && i + 1 < shown.size()) check(static_cast<unsigned char>(shown[i + 1]) >= 0xa0);  // no C1
  }
  std::string b64 = base64(bytes);
  check(b64.size() == (size + 2) / 3 * 4);
  for (char c : b64) check(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=');
  return 0;
}
