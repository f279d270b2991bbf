// The HTTP routes as functions, in this process (no sockets): statuses,
// headers and bodies as Go's net/http and net/http/pprof give them.
#include "agent/http/routes.hpp"

#include <gtest/gtest.h>

#include "agent/http/route_request.hpp"
#include "support/process.hpp"

namespace gops::agent::http {
namespace {

Response get(const std::string& target, const std::string& method = "GET", const std::string& body = "") {
  return route_request(target, method, body);
}

TEST(HttpRoutes, UnknownPathsAre404AsGosMux) {
  Response r = get("/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  EXPECT_EQ(header(r, "Content-Type"), "text/plain; charset=utf-8");
  Response unknown = get("/debug/pprof/mutex");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "Unknown profile\n");
  EXPECT_EQ(header(unknown, "X-Go-Pprof"), "1");
}

TEST(HttpRoutes, OtherMethodsAre405WithAllow) {
  Response r = get("/metrics", "DELETE");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, "Method Not Allowed\n");
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
  EXPECT_EQ(get("/debug/pprof/heap", "POST").status, 405);
  EXPECT_EQ(header(get("/debug/pprof/symbol", "PUT"), "Allow"), "GET, HEAD, POST");
}

TEST(HttpRoutes, AsteriskAsGosServer) {
  EXPECT_EQ(get("*", "OPTIONS").status, 200);
  Response r = get("*");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "");
}

TEST(HttpRoutes, UncleanPathsAndTheBarePrefixRedirect) {
  Response r = get("/debug/pprof");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "Location"), "/debug/pprof/");
  EXPECT_EQ(r.body, "<a href=\"/debug/pprof/\">Moved Permanently</a>.\n\n");
  Response dots = get("/debug/pprof/../pprof//cmdline?x=1");
  EXPECT_EQ(dots.status, 301);
  EXPECT_EQ(header(dots, "Location"), "/debug/pprof/cmdline?x=1");
}

TEST(HttpRoutes, IndexListsWhatIsServed) {
  Response r = get("/debug/pprof/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  for (const char* name : {"allocs", "cmdline", "goroutine", "heap", "profile", "threadcreate", "trace"})
    EXPECT_NE(r.body.find(std::string("<a href='") + name + "?debug=1'>" + name + "</a>"), std::string::npos)
        << name;
  EXPECT_NE(r.body.find("not Go&#39;s trace format"), std::string::npos);
}

TEST(HttpRoutes, CmdlineIsTheArgumentsJoinedByNul) {
  Response r = get("/debug/pprof/cmdline");
  EXPECT_EQ(r.status, 200);
  std::string cmdline = test::read_file("/proc/self/cmdline");
  cmdline.pop_back();
  EXPECT_EQ(r.body, cmdline);
}

TEST(HttpRoutes, SymbolNamesAFunctionOfThisProgram) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%#zx", reinterpret_cast<std::size_t>(&route));
  Response post = get("/debug/pprof/symbol", "POST", std::string(hex) + "+0");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, "num_symbols: 1\n" + std::string(hex) +
                           " gops::agent::http::route(gops::agent::http::Request const&, "
                           "gops::agent::CommandContext const&)\n");
  EXPECT_EQ(get(std::string("/debug/pprof/symbol?") + hex).body, post.body);
}

TEST(HttpRoutes, NamedProfileParametersAsGosChecks) {
  EXPECT_EQ(get("/debug/pprof/goroutine?seconds=x").body,
            "invalid value for \"seconds\" - must be a positive integer\n");
  EXPECT_EQ(get("/debug/pprof/goroutine?seconds=1&debug=1").body, "seconds and debug params are incompatible\n");
  Response counts = get("/debug/pprof/goroutine?debug=1");
  EXPECT_EQ(counts.status, 200);
  EXPECT_TRUE(counts.body.starts_with("goroutine profile: total ")) << counts.body;
  EXPECT_NE(counts.body.find("HttpRoutes_NamedProfileParametersAsGosChecks"), std::string::npos) << counts.body;
  Response dump = get("/debug/pprof/goroutine?debug=2");
  EXPECT_TRUE(dump.body.starts_with("thread ")) << dump.body;
}

TEST(HttpRoutes, HeapWithoutTheSamplerSaysHowToEnableIt) {
  Response r = get("/debug/pprof/heap");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("needs the heap sampler"), std::string::npos) << r.body;
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 1);
}

TEST(HttpResponse, UnparsableRequestsAreAnsweredAsGosServer) {
  EXPECT_EQ(unparsable_request_bytes(400, ""),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
            "400 Bad Request");
  EXPECT_EQ(unparsable_request_bytes(505, "unsupported protocol version"),
            "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nConnection: close\r\n\r\n505 HTTP Version Not Supported: unsupported protocol version");
}

}  // namespace
}  // namespace gops::agent::http
