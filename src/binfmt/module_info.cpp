#include "binfmt/module_info.hpp"

#include <fmt/format.h>

#include "binfmt/go_strconv.hpp"

namespace gops::binfmt {
namespace {

std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto tab = s.find('\t');
    out.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) return out;
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

Result<ModuleVersion> module_line(std::string_view rest) {
  auto elem = split_tabs(rest);
  if (elem.size() != 2 && elem.size() != 3)
    return Error{fmt::format("expected 2 or 3 columns; got {}", elem.size())};
  return ModuleVersion{std::string(elem[0]), std::string(elem[1]), elem.size() == 3 ? std::string(elem[2]) : ""};
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

}  // namespace

Result<BuildInfo> parse_build_info(std::string_view data) {
  BuildInfo bi;
  Module* last = nullptr;  // the module an "=>" line may replace
  std::size_t last_dep = 0;
  bool last_is_dep = false;
  int line_num = 1;
  auto fail = [&](const Error& e) { return Error{fmt::format("could not parse Go build info: line {}: {}", line_num, e.message)}; };
  // Go's loop: a last line without a newline is ignored, as are unknown lines.
  for (auto nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n')) {
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (line.starts_with("path\t")) {
      bi.path = std::string(line.substr(5));
    } else if (line.starts_with("mod\t")) {
      auto m = module_line(line.substr(4));
      if (!m) return fail(m.error());
      bi.main = Module{*m, std::nullopt};
      last = &bi.main;
      last_is_dep = false;
    } else if (line.starts_with("dep\t")) {
      bi.deps.push_back({});
      auto m = module_line(line.substr(4));
      if (!m) return fail(m.error());
      bi.deps.back() = Module{*m, std::nullopt};
      last_dep = bi.deps.size() - 1;
      last_is_dep = true;
      last = nullptr;
    } else if (line.starts_with("=>\t")) {
      auto elem = split_tabs(line.substr(3));
      if (elem.size() != 3)
        return fail(Error{fmt::format("expected 3 columns for replacement; got {}", elem.size())});
      Module* target = last_is_dep ? &bi.deps[last_dep] : last;
      if (target == nullptr) return fail(Error{"replacement with no module on previous line"});
      target->replace = ModuleVersion{std::string(elem[0]), std::string(elem[1]), std::string(elem[2])};
      last = nullptr;
      last_is_dep = false;
    } else if (line.starts_with("build\t")) {
      auto s = build_line(line.substr(6));
      if (!s) return fail(s.error());
      bi.settings.push_back(std::move(*s));
    }
    ++line_num;
  }
  return bi;
}

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
