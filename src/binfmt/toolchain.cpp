#include "binfmt/toolchain.hpp"

#include <vector>

namespace gops::binfmt {
namespace {

// The leading version number of s ("12.2.0-14" -> "12.2.0").
std::string_view version_prefix(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
  while (n > 0 && s[n - 1] == '.') --n;
  return s.substr(0, n);
}

// Compares dotted versions numerically ("12.2.0" > "9.4.0").
bool version_less(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto take = [](std::string_view* s) {
      unsigned long v = 0;
      std::size_t i = 0;
      for (; i < s->size() && (*s)[i] != '.'; ++i) v = v * 10 + static_cast<unsigned long>((*s)[i] - '0');
      s->remove_prefix(i < s->size() ? i + 1 : i);
      return v;
    };
    unsigned long x = take(&a), y = take(&b);
    if (x != y) return x < y;
  }
  return false;
}

std::optional<std::string> after_marker(std::string_view entry, std::string_view marker, std::string_view name) {
  auto at = entry.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  auto v = version_prefix(entry.substr(at + marker.size()));
  if (v.empty()) return std::nullopt;
  return std::string(name) + std::string(v);
}

}  // namespace

std::optional<std::string> compiler_of_comment(std::string_view entry) {
  if (entry.starts_with("GCC: ")) {
    std::string_view rest = entry.substr(5);
    // "(vendor build string) " comes before the version, and may itself hold numbers.
    if (rest.starts_with("(")) {
      auto close = rest.find(") ");
      if (close == std::string_view::npos) return std::nullopt;
      rest.remove_prefix(close + 2);
    }
    auto v = version_prefix(rest);
    if (v.empty()) return std::nullopt;
    return "gcc" + std::string(v);
  }
  if (auto c = after_marker(entry, "clang version ", "clang")) return c;
  if (entry.starts_with("rustc version ")) return after_marker(entry, "rustc version ", "rustc");
  return std::nullopt;
}

std::optional<std::string> toolchain_of(const Image& image) {
  const Section* comment = image.section(".comment");
  if (comment == nullptr) return std::nullopt;
  auto bytes = image.file.sub(comment->offset, comment->size);
  if (!bytes) return std::nullopt;
  std::string_view text = bytes->chars();
  std::optional<std::string> best_gcc;
  while (!text.empty()) {
    auto nul = text.find('\0');
    std::string_view entry = text.substr(0, nul);
    text.remove_prefix(nul == std::string_view::npos ? text.size() : nul + 1);
    auto c = compiler_of_comment(entry);
    if (!c) continue;
    if (!c->starts_with("gcc")) return c;
    if (!best_gcc || version_less(std::string_view(*best_gcc).substr(3), std::string_view(*c).substr(3)))
      best_gcc = c;
  }
  return best_gcc;
}

}  // namespace gops::binfmt
