// The HTTP request parser on the requests real clients send (curl, Go's
// client as go tool pprof and Prometheus use it) and on the broken ones Go's
// server answers with 400, 431, 501 or 505; and the query reader.
#include "agent/http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gops::agent::http {
namespace {

using State = RequestParser::State;

State feed(RequestParser& p, const std::string& bytes) { return p.feed({bytes.data(), bytes.size()}); }

TEST(HttpRequestParser, WhatCurlSends) {
  RequestParser p;
  ASSERT_EQ(feed(p, "GET /debug/pprof/heap?debug=1 HTTP/1.1\r\nHost: 127.0.0.1:6060\r\nUser-Agent: curl/7.88.1\r\n"
                    "Accept: */*\r\n\r\n"),
            State::kComplete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().path, "/debug/pprof/heap");
  EXPECT_EQ(p.request().raw_query, "debug=1");
  EXPECT_TRUE(p.request().keep_alive);
  EXPECT_FALSE(p.request().accepts_gzip);
}

TEST(HttpRequestParser, ByteByByteAsASlowClientSendsIt) {
  std::string bytes = "POST /debug/pprof/symbol HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n0x1+0x2";
  bytes += "+3";
  RequestParser p;
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) ASSERT_EQ(feed(p, bytes.substr(i, 1)), State::kNeedMore) << i;
  ASSERT_EQ(feed(p, bytes.substr(bytes.size() - 1)), State::kComplete);
  EXPECT_EQ(p.request().body, "0x1+0x2+3");
}

TEST(HttpRequestParser, PipelinedRequestsOneAfterTheOther) {
  RequestParser p;
  ASSERT_EQ(feed(p, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET"),
            State::kComplete);
  EXPECT_EQ(p.request().path, "/a");
  ASSERT_EQ(p.next(), State::kComplete);
  EXPECT_EQ(p.request().path, "/b");
  EXPECT_FALSE(p.request().keep_alive);
  EXPECT_EQ(p.next(), State::kNeedMore);
  EXPECT_TRUE(p.has_buffered());
}

TEST(HttpRequestParser, Http10ClosesUnlessKeepAlive) {
  RequestParser p;
  ASSERT_EQ(feed(p, "GET / HTTP/1.0\n\n"), State::kComplete);  // bare LF lines, as Go reads them
  EXPECT_FALSE(p.request().keep_alive);
  RequestParser q;
  ASSERT_EQ(feed(q, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), State::kComplete);
  EXPECT_TRUE(q.request().keep_alive);
}

TEST(HttpRequestParser, AbsoluteFormAndEscapes) {
  RequestParser p;
  ASSERT_EQ(feed(p, "GET http://127.0.0.1:6060/debug/pprof/%67oroutine?debug=2 HTTP/1.1\r\nHost: x\r\n\r\n"),
            State::kComplete);
  EXPECT_EQ(p.request().path, "/debug/pprof/goroutine");
  EXPECT_EQ(p.request().raw_query, "debug=2");
}

TEST(HttpRequestParser, GzipUnlessRefused) {
  RequestParser p;
  ASSERT_EQ(feed(p, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"), State::kComplete);
  EXPECT_TRUE(p.request().accepts_gzip);
  RequestParser q;
  ASSERT_EQ(feed(q, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: deflate, gzip;q=0\r\n\r\n"),
            State::kComplete);
  EXPECT_FALSE(q.request().accepts_gzip);
}

struct Broken {
  const char* bytes;
  int status;
  const char* text;
};

TEST(HttpRequestParser, BrokenRequestsGetGosAnswers) {
  const Broken cases[] = {
      {"\r\n", 400, ""},
      {"GET\r\n\r\n", 400, ""},
      {"GET /\r\n\r\n", 400, ""},
      {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "too many Host headers"},
      {"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400, "invalid header name"},
      {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400, "invalid header value"},
      {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, ""},
      {"GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", 400, ""},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "unsupported protocol version"},
      {"GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, ""},
      {"GET / JUNK/1.1\r\nHost: a\r\n\r\n", 400, ""},
      {"GET nopath HTTP/1.1\r\nHost: a\r\n\r\n", 400, ""},
      {"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, ""},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, ""},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, ""},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 413, ""},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501, ""},
  };
  for (const Broken& c : cases) {
    RequestParser p;
    EXPECT_EQ(feed(p, c.bytes), State::kBad) << c.bytes;
    EXPECT_EQ(p.error_status(), c.status) << c.bytes;
    EXPECT_EQ(p.error_text(), c.text) << c.bytes;
  }
}

TEST(HttpRequestParser, HeadBeyond16KiBIs431EvenWithoutItsEnd) {
  RequestParser p;
  std::string line = "GET / HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(feed(p, line), State::kNeedMore);
  std::string filler = "X-Filler: " + std::string(1000, 'x') + "\r\n";
  State s = State::kNeedMore;
  for (int i = 0; i < 20 && s == State::kNeedMore; ++i) s = feed(p, filler);
  EXPECT_EQ(s, State::kBad);
  EXPECT_EQ(p.error_status(), 431);
}

TEST(HttpQuery, FormValueAsGoReadsIt) {
  EXPECT_EQ(form_value("seconds=5&debug=1", "debug"), "1");
  EXPECT_EQ(form_value("seconds=5&seconds=7", "seconds"), "5");
  EXPECT_EQ(form_value("a=%41+b", "a"), "A b");
  EXPECT_EQ(form_value("a=1;b=2&c=3", "c"), "3");
  EXPECT_EQ(form_value("a=1;b=2&c=3", "a"), "");
  EXPECT_EQ(form_value("a=%zz&a=2", "a"), "2");
  EXPECT_EQ(form_value("debug", "debug"), "");
  EXPECT_EQ(form_value("", "x"), "");
}

}  // namespace
}  // namespace gops::agent::http
