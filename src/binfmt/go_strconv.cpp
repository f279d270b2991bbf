#include "binfmt/go_strconv.hpp"

#include <cstdint>

namespace gops::binfmt {
namespace {

constexpr char32_t kRuneError = 0xfffd;

// Decodes one UTF-8 sequence as Go's utf8.DecodeRuneInString: invalid or
// truncated input gives (RuneError, 1).
char32_t decode_rune(std::string_view s, std::size_t* size) {
  auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  *size = 1;
  if (s.empty()) return kRuneError;
  std::uint8_t c = b(0);
  if (c < 0x80) return c;
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || c > 0xf4 || s.size() < n) return kRuneError;
  // Allowed range of the second byte, which rules out overlongs and surrogates.
  std::uint8_t lo = 0x80, hi = 0xbf;
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (b(1) < lo || b(1) > hi) return kRuneError;
  char32_t r = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (std::size_t i = 1; i < n; ++i) {
    if (i > 1 && (b(i) < 0x80 || b(i) > 0xbf)) return kRuneError;
    r = (r << 6) | (b(i) & 0x3f);
  }
  *size = n;
  return r;
}

bool valid_utf8(std::string_view s) {
  while (!s.empty()) {
    std::size_t n = 0;
    if (decode_rune(s, &n) == kRuneError && n == 1) return false;
    s.remove_prefix(n);
  }
  return true;
}

void append_rune(std::string* out, char32_t r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  }
}

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One character of a double-quoted string (strconv.UnquoteChar with quote
// '"'): appends its value to out (if any) and advances s. False on a syntax error.
bool unquote_char(std::string_view* s, std::string* out) {
  std::string_view& in = *s;
  char c = in[0];
  if (c == '"') return false;
  if (static_cast<std::uint8_t>(c) >= 0x80) {
    std::size_t n = 0;
    char32_t r = decode_rune(in, &n);
    if (out) append_rune(out, r);  // invalid bytes become U+FFFD, as in Go
    in.remove_prefix(n);
    return true;
  }
  if (c != '\\') {
    if (out) out->push_back(c);
    in.remove_prefix(1);
    return true;
  }
  if (in.size() < 2) return false;
  char e = in[1];
  in.remove_prefix(2);
  auto simple = [&](char v) {
    if (out) out->push_back(v);
    return true;
  };
  switch (e) {
    case 'a': return simple('\a');
    case 'b': return simple('\b');
    case 'f': return simple('\f');
    case 'n': return simple('\n');
    case 'r': return simple('\r');
    case 't': return simple('\t');
    case 'v': return simple('\v');
    case '\\': return simple('\\');
    case '"': return simple('"');
    case 'x':
    case 'u':
    case 'U': {
      std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (in.size() < n) return false;
      char32_t v = 0;
      for (std::size_t j = 0; j < n; ++j) {
        int h = unhex(in[j]);
        if (h < 0) return false;
        v = (v << 4) | static_cast<char32_t>(h);
      }
      in.remove_prefix(n);
      if (e == 'x') {  // a single byte, possibly not UTF-8
        if (out) out->push_back(static_cast<char>(v));
        return true;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return false;
      if (out) append_rune(out, v);
      return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      if (in.size() < 2) return false;
      unsigned v = static_cast<unsigned>(e - '0');
      for (std::size_t j = 0; j < 2; ++j) {
        int d = in[j] - '0';
        if (d < 0 || d > 7) return false;
        v = (v << 3) | static_cast<unsigned>(d);
      }
      in.remove_prefix(2);
      if (v > 255) return false;
      if (out) out->push_back(static_cast<char>(v));
      return true;
    }
    default:
      return false;
  }
}

// Go's unquote(in, unescape): the quoted prefix's length and, if out is
// given, its value.
std::optional<std::size_t> unquote(std::string_view in, std::string* out) {
  if (in.size() < 2) return std::nullopt;
  char quote = in[0];
  std::size_t close = in.find(quote, 1);
  if (close == std::string_view::npos) return std::nullopt;
  std::size_t end = close + 1;
  if (quote == '`') {
    if (out)
      for (char c : in.substr(1, end - 2))
        if (c != '\r') out->push_back(c);  // raw strings drop carriage returns
    return end;
  }
  if (quote != '"') return std::nullopt;
  std::string_view body = in.substr(1, end - 2);
  if (body.find('\\') == std::string_view::npos && body.find('\n') == std::string_view::npos &&
      valid_utf8(body)) {
    if (out) out->assign(body);
    return end;
  }
  std::string_view rest = in.substr(1);
  while (!rest.empty() && rest[0] != '"') {
    if (rest[0] == '\n' || !unquote_char(&rest, out)) return std::nullopt;
  }
  if (rest.empty()) return std::nullopt;
  return in.size() - rest.size() + 1;
}

// An approximation of Go's unicode.IsPrint above Latin-1: letters, marks,
// numbers, punctuation, symbols and U+0020. We treat every code point as
// printable except the format/separator/private-use/noncharacter ranges
// below; unassigned code points are where this can differ from Go. Build
// settings are ASCII in practice, where we are exact.
bool is_print(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r <= 0xff) return r >= 0xa1 && r != 0xad;
  if (r == 0x061c || r == 0x180e || (r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
      (r >= 0x205f && r <= 0x206f) || r == 0x3000 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb))
    return false;
  if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000) return false;  // private use
  if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef)) return false;  // noncharacters
  if (r >= 0xe0000 && r <= 0xe0fff) return false;  // tags, variation selectors supplement
  return true;
}

}  // namespace

std::optional<std::size_t> go_quoted_prefix(std::string_view s) { return unquote(s, nullptr); }

std::optional<std::string> go_unquote(std::string_view s) {
  std::string out;
  auto n = unquote(s, &out);
  if (!n || *n != s.size()) return std::nullopt;
  return out;
}

std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  while (!s.empty()) {
    std::size_t n = 0;
    char32_t r = decode_rune(s, &n);
    if (n == 1 && r == kRuneError) {  // an invalid byte: \xNN
      auto b = static_cast<std::uint8_t>(s[0]);
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    } else if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (is_print(r)) {
      out.append(s.substr(0, n));
    } else {
      switch (r) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default: {
          const char* prefix = r < ' ' || r == 0x7f ? "\\x" : r < 0x10000 ? "\\u" : "\\U";
          int digits = r < ' ' || r == 0x7f ? 2 : r < 0x10000 ? 4 : 8;
          out += prefix;
          for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(r >> (4 * i)) & 0xf]);
        }
      }
    }
    s.remove_prefix(n);
  }
  out.push_back('"');
  return out;
}

}  // namespace gops::binfmt
