#include "binfmt/module_info.hpp"

#include <fmt/format.h>

#include "binfmt/go_strconv.hpp"

namespace gops::binfmt {
namespace {

// Splits a line at tabs into up to 3 columns; returns the column count (which
// may be more than 3, for the error message) without allocating.
std::size_t columns(std::string_view s, std::string_view (&out)[3]) {
  std::size_t n = 0;
  for (;;) {
    auto tab = s.find('\t');
    if (n < 3) out[n] = s.substr(0, tab);
    ++n;
    if (tab == std::string_view::npos) return n;
    s.remove_prefix(tab + 1);
  }
}

bool quote_key(std::string_view key) {
  return key.empty() || key.find_first_of("= \t\r\n\"`") != std::string_view::npos;
}
bool quote_value(std::string_view value) { return value.find_first_of(" \t\r\n\"`") != std::string_view::npos; }

// Go's %q of a byte (a rune literal of U+0000-U+00FF), for the one error
// message that prints it.
std::string quote_char(char c) {
  auto b = static_cast<unsigned char>(c);
  if (c == '"') return "'\"'";
  if (c == '\'') return "'\\''";
  std::string utf8;
  if (b < 0x80) {
    utf8.push_back(c);
  } else {
    utf8.push_back(static_cast<char>(0xc0 | (b >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (b & 0x3f)));
  }
  std::string q = go_quote(utf8);
  return "'" + q.substr(1, q.size() - 2) + "'";
}

Result<ModuleVersion> module_line(std::string_view rest, bool keep) {
  std::string_view elem[3];
  std::size_t n = columns(rest, elem);
  if (n != 2 && n != 3) return Error{fmt::format("expected 2 or 3 columns; got {}", n)};
  if (!keep) return ModuleVersion{};
  return ModuleVersion{std::string(elem[0]), std::string(elem[1]), n == 3 ? std::string(elem[2]) : ""};
}

Result<BuildSetting> build_line(std::string_view kv) {
  if (kv.empty()) return Error{"build line missing '='"};
  std::string key;
  std::string_view raw_value;
  if (kv[0] == '=') return Error{"build line with missing key"};
  if (kv[0] == '`' || kv[0] == '"') {
    auto n = go_quoted_prefix(kv);
    if (!n) return Error{"invalid quoted key in build line"};
    if (*n == kv.size()) return Error{"build line missing '=' after quoted key"};
    if (kv[*n] != '=') return Error{"unexpected character after quoted key: " + quote_char(kv[*n])};
    key = go_unquote(kv.substr(0, *n)).value_or("");
    raw_value = kv.substr(*n + 1);
  } else {
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) return Error{"build line missing '=' after key"};
    key = std::string(kv.substr(0, eq));
    raw_value = kv.substr(eq + 1);
    if (quote_key(key)) return Error{"unquoted key " + go_quote(key) + " must be quoted"};
  }
  std::string value;
  if (!raw_value.empty()) {
    if (raw_value[0] == '`' || raw_value[0] == '"') {
      auto v = go_unquote(raw_value);
      if (!v) return Error{"invalid quoted value in build line"};
      value = std::move(*v);
    } else {
      value = std::string(raw_value);
      if (quote_value(value)) return Error{"unquoted value " + go_quote(value) + " must be quoted"};
    }
  }
  return BuildSetting{std::move(key), std::move(value)};
}

void format_module(std::string* out, std::string_view word, const ModuleVersion& m,
                   const std::optional<ModuleVersion>& replace) {
  *out += fmt::format("{}\t{}\t{}", word, m.path, m.version);
  if (!replace) {
    *out += '\t' + m.sum;
  } else {
    *out += '\n';
    format_module(out, "=>", *replace, std::nullopt);
  }
  // After a replacement this makes an empty line: Go 1.19 does the same
  // (`go version -m` then prints a line holding just a tab).
  *out += '\n';
}

// Go's ParseBuildInfo. With out == nullptr it only checks, keeping nothing,
// so that checking a hostile module text costs no memory beyond one line.
Status parse(std::string_view data, BuildInfo* out) {
  enum class Last { kNone, kMain, kDep } last = Last::kNone;  // what an "=>" line replaces
  int line_num = 1;
  auto fail = [&](const Error& e) {
    return Error{fmt::format("could not parse Go build info: line {}: {}", line_num, e.message)};
  };
  // Go's loop: a last line without a newline is ignored, as are unknown lines.
  for (auto nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n')) {
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (line.starts_with("path\t")) {
      if (out) out->path = std::string(line.substr(5));
    } else if (line.starts_with("mod\t") || line.starts_with("dep\t")) {
      auto m = module_line(line.substr(4), out != nullptr);
      if (!m) return fail(m.error());
      bool dep = line[0] == 'd';
      if (out && dep) out->deps.push_back(Module{std::move(*m), std::nullopt});
      if (out && !dep) out->main = Module{std::move(*m), std::nullopt};
      last = dep ? Last::kDep : Last::kMain;
    } else if (line.starts_with("=>\t")) {
      std::string_view elem[3];
      std::size_t n = columns(line.substr(3), elem);
      if (n != 3) return fail(Error{fmt::format("expected 3 columns for replacement; got {}", n)});
      if (last == Last::kNone) return fail(Error{"replacement with no module on previous line"});
      if (out) {
        Module& target = last == Last::kDep ? out->deps.back() : out->main;
        target.replace = ModuleVersion{std::string(elem[0]), std::string(elem[1]), std::string(elem[2])};
      }
      last = Last::kNone;
    } else if (line.starts_with("build\t")) {
      auto s = build_line(line.substr(6));
      if (!s) return fail(s.error());
      if (out) out->settings.push_back(std::move(*s));
    }
    ++line_num;
  }
  return Ok{};
}

}  // namespace

Result<BuildInfo> parse_build_info(std::string_view text) {
  BuildInfo bi;
  if (auto st = parse(text, &bi); !st) return st.error();
  return bi;
}

Status check_build_info(std::string_view text) { return parse(text, nullptr); }

std::string format_build_info(const BuildInfo& bi) {
  std::string out;
  if (!bi.path.empty()) out += fmt::format("path\t{}\n", bi.path);
  if (!(bi.main == Module{})) format_module(&out, "mod", bi.main, bi.main.replace);
  for (const auto& dep : bi.deps) format_module(&out, "dep", dep, dep.replace);
  for (const auto& s : bi.settings) {
    std::string key = quote_key(s.key) ? go_quote(s.key) : s.key;
    std::string value = quote_value(s.value) ? go_quote(s.value) : s.value;
    out += fmt::format("build\t{}={}\n", key, value);
  }
  return out;
}

}  // namespace gops::binfmt
