#include "agent/http/request_parser.hpp"

#include <algorithm>
#include <charconv>

namespace gops::agent::http {
namespace {

// RFC 9110 tchar: the bytes of a method or a header name.
bool is_token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); });
}

// Field values: no control bytes but the tab (as Go's httpguts).
bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x | 0x20 : x) == (y >= 'A' && y <= 'Z' ? y | 0x20 : y);
         });
}

// Calls fn(token, parameters) for each element of a comma-separated list.
template <class Fn>
void for_each_element(std::string_view list, Fn fn) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view element = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    std::size_t semi = element.find(';');
    fn(trim(element.substr(0, semi)), semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1));
  }
}

// "q=0", "q=0.0", "q=0.000": the coding is refused.
bool refuses(std::string_view parameters) {
  std::size_t q = parameters.find("q=");
  if (q == std::string_view::npos) return false;
  std::string_view value = trim(parameters.substr(q + 2));
  value = value.substr(0, value.find(';'));
  return !value.empty() && value[0] == '0' && value.find_first_not_of("0.", 0) == std::string_view::npos;
}

// Go's ParseHTTPVersion: "HTTP/1.1", "HTTP/1.0", else exactly "HTTP/X.Y".
bool parse_version(std::string_view v, int& major, int& minor) {
  if (v == "HTTP/1.1") return major = 1, minor = 1, true;
  if (v == "HTTP/1.0") return major = 1, minor = 0, true;
  if (v.size() != 8 || !v.starts_with("HTTP/") || v[6] != '.') return false;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return false;
  major = v[5] - '0';
  minor = v[7] - '0';
  return true;
}

bool valid_host(std::string_view host) {
  return std::none_of(host.begin(), host.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7f || std::string_view("/?#@\\\"<>^`{|}").find(ch) != std::string_view::npos;
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

std::string form_value(std::string_view raw_query, std::string_view key) {
  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    std::size_t eq = pair.find('=');
    std::string name, value;
    if (!percent_decode(pair.substr(0, eq), true, name)) continue;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, value)) continue;
    if (name == key) return value;
  }
  return {};
}

RequestParser::State RequestParser::feed(std::span<const char> bytes) {
  // Bounded even while a reply is being computed (pipelined requests wait).
  std::size_t room = kMaxHead + kMaxBody + 1 - std::min(buffer_.size(), kMaxHead + kMaxBody + 1);
  buffer_.append(bytes.data(), std::min(bytes.size(), room));
  if (state_ != State::kNeedMore) return state_;
  return state_ = parse();
}

RequestParser::State RequestParser::next() {
  if (state_ != State::kComplete) return state_;
  buffer_.erase(0, head_size_ + body_size_);
  head_size_ = body_size_ = scanned_ = 0;
  request_ = Request{};
  state_ = State::kNeedMore;
  if (!buffer_.empty()) state_ = parse();
  return state_;
}

RequestParser::State RequestParser::fail(int status, std::string text) {
  error_status_ = status;
  error_text_ = std::move(text);
  return State::kBad;
}

RequestParser::State RequestParser::parse() {
  if (head_size_ == 0) {
    // The head ends at the first empty line ("\r\n" or a bare "\n", as
    // Go's textproto reads lines). An empty first line is no request.
    if (buffer_.starts_with("\n") || buffer_.starts_with("\r\n")) return fail(400);
    std::size_t end = 0;
    for (std::size_t i = scanned_; i < buffer_.size() && end == 0; ++i) {
      if (buffer_[i] != '\n') continue;
      if (i + 1 < buffer_.size() && buffer_[i + 1] == '\n') end = i + 2;
      else if (i + 2 < buffer_.size() && buffer_[i + 1] == '\r' && buffer_[i + 2] == '\n') end = i + 3;
    }
    if (end == 0) {
      // Resume near the end next time (a "\n\r\n" may straddle two reads).
      scanned_ = buffer_.size() > 2 ? buffer_.size() - 2 : 0;
      if (buffer_.size() > kMaxHead) return fail(431);
      return State::kNeedMore;
    }
    if (end > kMaxHead) return fail(431);
    head_size_ = end;
    if (!parse_head(std::string_view(buffer_).substr(0, end))) return State::kBad;
  }
  if (buffer_.size() < head_size_ + body_size_) return State::kNeedMore;
  request_.body.assign(buffer_, head_size_, body_size_);
  return State::kComplete;
}

bool RequestParser::parse_head(std::string_view head) {
  auto bad = [this](int status, std::string text = {}) {
    fail(status, std::move(text));
    return false;
  };
  std::size_t at = 0;
  auto next_line = [&](std::string_view& line) {
    std::size_t nl = head.find('\n', at);
    if (nl == std::string_view::npos) return false;
    line = head.substr(at, nl - at);
    at = nl + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    return true;
  };

  std::string_view line;
  next_line(line);
  std::size_t s1 = line.find(' ');
  std::size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
  if (s2 == std::string_view::npos) return bad(400);
  std::string_view method = line.substr(0, s1), target = line.substr(s1 + 1, s2 - s1 - 1);
  std::string_view version = line.substr(s2 + 1);
  if (!is_token(method)) return bad(400);
  int major = 0, minor = 0;
  if (!parse_version(version, major, minor)) return bad(400);
  if (major != 1) return bad(505, "unsupported protocol version");
  request_.method.assign(method);
  request_.minor_version = minor >= 1 ? 1 : 0;
  request_.keep_alive = minor >= 1;

  // The target: origin form ("/path?query"), absolute form
  // ("http://host/path?query") or "*".
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c == 0x7f;
      }))
    return bad(400);
  if (target != "*" && target[0] != '/') {
    std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || !(iequals(target.substr(0, scheme_end), "http") ||
                                                  iequals(target.substr(0, scheme_end), "https")))
      return bad(400);
    std::string_view rest = target.substr(scheme_end + 3);
    std::size_t slash = rest.find_first_of("/?");
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (target[0] == '?') {
      request_.raw_query.assign(target.substr(1));
      target = "/";
    }
  }
  std::size_t question = target.find('?');
  if (question != std::string_view::npos) {
    request_.raw_query.assign(target.substr(question + 1));
    target = target.substr(0, question);
  }
  if (target.empty()) target = "/";
  if (!percent_decode(target, false, request_.path)) return bad(400);

  int hosts = 0;
  bool have_length = false;
  std::uint64_t length = 0;
  while (next_line(line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') return bad(400);  // obsolete line folding
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad(400);
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (!is_token(name)) return bad(400, "invalid header name");
    if (!is_field_value(value)) return bad(400, "invalid header value");
    if (iequals(name, "Host")) {
      if (++hosts > 1) return bad(400, "too many Host headers");
      if (!valid_host(value)) return bad(400, "malformed Host header");
    } else if (iequals(name, "Content-Length")) {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc{} || end != value.data() + value.size()) return bad(400);
      if (have_length && n != length) return bad(400);
      have_length = true;
      length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      return bad(501);  // chunked bodies are not taken (Go's text: "Unsupported transfer encoding")
    } else if (iequals(name, "Connection")) {
      for_each_element(value, [&](std::string_view token, std::string_view) {
        if (iequals(token, "close")) request_.keep_alive = false;
        if (iequals(token, "keep-alive") && request_.minor_version == 0) request_.keep_alive = true;
      });
    } else if (iequals(name, "Accept-Encoding")) {
      for_each_element(value, [&](std::string_view token, std::string_view parameters) {
        if (iequals(token, "gzip") && !refuses(parameters)) request_.accepts_gzip = true;
      });
    }
  }
  if (request_.minor_version >= 1 && hosts == 0) return bad(400, "missing required Host header");
  if (length > kMaxBody) return bad(413);
  body_size_ = static_cast<std::size_t>(length);
  return true;
}

}  // namespace gops::agent::http
