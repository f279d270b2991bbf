// /metrics against client_golang itself (the promgo peer, built with
// Debian's golang-github-prometheus-client-golang-dev): the process
// collector's families word for word, and numbers as Go's strconv writes
// them.
#include <gtest/gtest.h>

#include "agent/commands/prometheus_text.hpp"
#include "agent/http/routes.hpp"
#include "agent/http/route_request.hpp"
#include "support/process.hpp"

namespace gops::agent::http {
namespace {

Response get(const std::string& target, const std::string& method = "GET", const std::string& body = "") {
  return route_request(target, method, body);
}

TEST(PrometheusText, NumbersAsGosStrconv) {
  // What client_golang prints goes through strconv.FormatFloat(v, 'g', -1, 64).
  const double values[] = {12345678, 123456, 0.0001, 0.00001, 18446744073709551615.0, 3.14, 1e21, 100000,
                           1000000, 0.02, 1.79598375454e+09, -2.5, 7.33659136e+08, 123456.5};
  std::vector<std::string> args = {PROMGO, "float"};
  for (double v : values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    args.push_back(buf);
  }
  test::RunResult go = test::run(args);
  ASSERT_EQ(go.exit_code, 0) << go.err;
  std::vector<std::string> expected = test::split_lines(go.out);
  ASSERT_EQ(expected.size(), std::size(values));
  for (std::size_t i = 0; i < std::size(values); ++i) EXPECT_EQ(format_go_float(values[i]), expected[i]) << i;
}

TEST(HttpRoutes, MetricsHaveClientGolangsProcessFamilies) {
  test::RunResult go = test::run({PROMGO, "metrics"});
  ASSERT_EQ(go.exit_code, 0) << go.err;
  Response r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  // Every HELP and TYPE line of Go's process collector, word for word.
  int families = 0;
  for (const std::string& line : test::split_lines(go.out)) {
    if (!line.starts_with("# ")) continue;
    EXPECT_NE(r.body.find(line + "\n"), std::string::npos) << line << "\n" << r.body;
    families += line.starts_with("# TYPE ");
  }
  EXPECT_EQ(families, 7);
  EXPECT_NE(r.body.find("\ncpp_info{compiler=\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\ncpp_agent_connections_total{result=\"served\"} "), std::string::npos);
  EXPECT_NE(r.body.find("\nprocess_network_receive_bytes_total "), std::string::npos);
}

}  // namespace
}  // namespace gops::agent::http
