// The HTTP/1.x requests the agent's HTTP endpoint takes, parsed strictly
// and incrementally: fed whatever has arrived, as it arrives, from anyone
// who can connect (fuzzed: fuzz/http_request_fuzz.cpp).
//
// Why our own parser and no library: the agent lives inside other people's
// programs. Debian's libmicrohttpd12 links GnuTLS (every host would load a
// TLS stack), and although it can be driven from an outside poll loop, it
// keeps its own connections, timeouts and limits beside the agent's.
// Debian's cpp-httplib is a blocking server with a thread per connection
// from a pool, and its package pulls in OpenSSL and Brotli. The agent's
// poll loop already has the deadlines, bounds and access checks the gops
// port needs; what it takes from HTTP is small: GET, HEAD and POST with a
// Content-Length body (no chunked bodies, no upgrades), HTTP/1.0 and 1.1
// with keep-alive and pipelining, and the head bounded to 16 KiB.
//
// Errors are answered as Go's net/http server answers them (status and
// text), so a client sees what a Go program would send it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gops::agent::http {

struct Request {
  std::string method;     // as sent ("GET", "POST", ...): a valid token
  std::string path;       // percent-decoded, starts with '/' ("*" for OPTIONS *)
  std::string raw_query;  // after '?', not decoded ("" if none)
  int minor_version = 1;  // HTTP/1.0 or HTTP/1.1
  bool keep_alive = true;
  bool accepts_gzip = false;  // Accept-Encoding lists gzip (not q=0)
  std::string body;
};

class RequestParser {
 public:
  static constexpr std::size_t kMaxHead = 16 * 1024;  // request line and headers
  static constexpr std::size_t kMaxBody = 64 * 1024;

  enum class State { kNeedMore, kComplete, kBad };

  // Takes more bytes. Once complete or bad, keeps what arrives after the
  // request (pipelined requests) but parses nothing more until next().
  State feed(std::span<const char> bytes);

  State state() const { return state_; }
  // Valid when complete.
  const Request& request() const { return request_; }
  // When bad: the status to answer (400, 413, 431, 501, 505) and Go's text
  // for it ("" for a plain "400 Bad Request").
  int error_status() const { return error_status_; }
  const std::string& error_text() const { return error_text_; }

  // Starts on the next request with the bytes that came after this one
  // (keep-alive); returns its state.
  State next();
  // Whether any byte of a next request has arrived.
  bool has_buffered() const { return !buffer_.empty(); }

 private:
  State parse();
  State fail(int status, std::string text = {});
  bool parse_head(std::string_view head);

  State state_ = State::kNeedMore;
  std::string buffer_;
  std::size_t scanned_ = 0;    // where the search for the head's end resumes
  std::size_t head_size_ = 0;  // bytes of the head once found, with its blank line
  std::size_t body_size_ = 0;
  Request request_;
  int error_status_ = 0;
  std::string error_text_;
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`); false on a
// malformed escape.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

// The first value of `key` in a query string, as Go's FormValue reads the
// URL's query: pairs split on '&', '+' is a space, %XX decoded; a pair
// with a ';' or a bad escape is skipped (Go 1.17 on). "" when absent.
std::string form_value(std::string_view raw_query, std::string_view key);

}  // namespace gops::agent::http
