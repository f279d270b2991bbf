#include "goruntime/release.hpp"

#include <cctype>

namespace gops::goruntime {

std::optional<GoRelease> parse_release(std::string_view text) {
  auto at = text.find("go1.");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + 4);
  int minor = 0;
  std::size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])) && digits < 4)
    minor = minor * 10 + (rest[digits++] - '0');
  if (digits == 0) return std::nullopt;
  return GoRelease{minor, std::string(text)};
}

Status check_supported(const GoRelease& release) {
  if (release.minor < kOldestMinor)
    return Error{"the program was built with " + release.text + ", older than the oldest release gops reads without an agent (go1." +
                 std::to_string(kOldestMinor) + ")"};
  if (release.minor > kNewestMinor)
    return Error{"the program was built with " + release.text + ", newer than the newest release whose runtime layout this gops knows (go1." +
                 std::to_string(kNewestMinor) + ")"};
  return Ok{};
}

}  // namespace gops::goruntime
