// Fuzzes the module-text parser and Go's quoting rules: parse, print, and
// parse again must give the same printed text (what Go 1.19 prints
// re-reads as itself).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "binfmt/go_strconv.hpp"
#include "binfmt/module_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gops::binfmt;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto bi = parse_build_info(text); bi.ok()) {
    std::string printed = format_build_info(*bi);
    auto again = parse_build_info(printed);
    if (!again.ok() || format_build_info(*again) != printed) __builtin_trap();
  }
  // Quote then unquote is the identity.
  auto back = go_unquote(go_quote(text));
  if (!back || *back != text) {
    // Invalid UTF-8 is quoted byte by byte (\xNN) and so comes back too.
    __builtin_trap();
  }
  (void)go_quoted_prefix(text);
  return 0;
}
