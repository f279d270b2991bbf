// Fuzzes the agent's HTTP request parser with what anyone who can connect
// may send: the same bytes fed whole and fed in pieces (split where the
// first byte says) must give the same requests and the same verdict, every
// request it accepts must be well formed, and pipelined requests are
// parsed one after the other. Also the query reader.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/http/request_parser.hpp"

namespace {

using gops::agent::http::Request;
using gops::agent::http::RequestParser;

struct Outcome {
  std::vector<Request> requests;
  RequestParser::State last = RequestParser::State::kNeedMore;
  int error_status = 0;
};

void check(const Request& r) {
  if (r.path.empty() || (r.path[0] != '/' && r.path != "*")) __builtin_trap();
  if (r.body.size() > RequestParser::kMaxBody) __builtin_trap();
  if (r.minor_version != 0 && r.minor_version != 1) __builtin_trap();
  if (r.method.empty()) __builtin_trap();
}

Outcome run(const std::uint8_t* data, std::size_t size, std::size_t piece) {
  Outcome out;
  RequestParser parser;
  RequestParser::State state = RequestParser::State::kNeedMore;
  auto drain = [&] {
    while (state == RequestParser::State::kComplete && out.requests.size() < 64) {
      check(parser.request());
      out.requests.push_back(parser.request());
      state = parser.next();
    }
  };
  for (std::size_t at = 0; at < size; at += piece) {
    std::size_t n = size - at < piece ? size - at : piece;
    state = parser.feed({reinterpret_cast<const char*>(data) + at, n});
    drain();
    if (state == RequestParser::State::kBad) break;
  }
  out.last = state;
  if (state == RequestParser::State::kBad) {
    out.error_status = parser.error_status();
    if (out.error_status < 400 || out.error_status > 505) __builtin_trap();
  }
  return out;
}

bool same(const Request& a, const Request& b) {
  return a.method == b.method && a.path == b.path && a.raw_query == b.raw_query &&
         a.minor_version == b.minor_version && a.keep_alive == b.keep_alive && a.accepts_gzip == b.accepts_gzip &&
         a.body == b.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = data[0] % 16 + 1;
  ++data;
  --size;
  Outcome whole = run(data, size, size == 0 ? 1 : size);
  Outcome pieces = run(data, size, piece);
  // Fed whole, the buffer bound may cut a long pipeline short where small
  // pieces (each parsed before the next arrives) do not: compare what both saw.
  std::size_t n = whole.requests.size() < pieces.requests.size() ? whole.requests.size() : pieces.requests.size();
  for (std::size_t i = 0; i < n; ++i)
    if (!same(whole.requests[i], pieces.requests[i])) __builtin_trap();
  if (whole.requests.size() == pieces.requests.size() && whole.last != pieces.last) __builtin_trap();
  if (whole.last == RequestParser::State::kBad && pieces.last == RequestParser::State::kBad &&
      whole.requests.size() == pieces.requests.size() && whole.error_status != pieces.error_status)
    __builtin_trap();
  for (const Request& r : whole.requests) {
    (void)gops::agent::http::form_value(r.raw_query, "seconds");
    (void)gops::agent::http::form_value(r.raw_query, "debug");
  }
  return 0;
}
