// The agent's HTTP endpoint in this process, over real sockets: keep-alive
// and pipelining, Go's answers to garbage, the gops port's rules (another
// user refused, slowloris and never-reading clients cannot stop it, a CPU
// profile does not hold up /metrics, a hang-up stops the profile), deltas.
// Runs under ASan and TSan too.
#include <gops/agent.hpp>

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>
#include <vector>

#include "pprof/gzip.hpp"
#include "support/in_process_agent.hpp"
#include "support/raw_client.hpp"

namespace gops::test {
namespace {

class HttpServer : public InProcessAgent {
 protected:
  void configure(agent::Options& options) override {
    InProcessAgent::configure(options);
    options.http_address = "127.0.0.1:0";
    options.read_timeout = std::chrono::milliseconds(1500);
  }
  std::uint16_t http_port() const { return http_port_; }

  // One request, Connection: close, the whole answer.
  std::string http(const std::string& request_bytes, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    RawReply r = raw_request(http_port(), request_bytes, timeout);
    EXPECT_TRUE(r.eof) << "no complete answer to " << request_bytes;
    return r.bytes;
  }
  static std::string get(const std::string& target, const std::string& headers = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n";
  }
  static std::string body_of(const std::string& answer) {
    auto at = answer.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : answer.substr(at + 4);
  }
};

TEST_F(HttpServer, KeepAliveAndPipelinedRequestsOnOneConnection) {
  int fd = raw_connect(http_port());
  ASSERT_GE(fd, 0);
  std::string two = "GET /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, two.data(), two.size(), MSG_NOSIGNAL), static_cast<ssize_t>(two.size()));
  RawReply r = read_to_end(fd, std::chrono::seconds(30));
  ::close(fd);
  ASSERT_TRUE(r.eof);
  auto first = r.bytes.find("HTTP/1.1 200 OK\r\n");
  auto second = r.bytes.find("HTTP/1.1 200 OK\r\n", first + 1);
  EXPECT_NE(first, std::string::npos) << r.bytes;
  EXPECT_NE(second, std::string::npos) << r.bytes;
  EXPECT_NE(r.bytes.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_NE(r.bytes.find("Connection: close\r\n"), std::string::npos);
}

// A kept-alive connection counts once, as served, however many requests it
// carried (the counters are of connections, as for the gops port).
TEST_F(HttpServer, KeptAliveConnectionCountsOnce) {
  auto served = [&] {
    std::string stats = raw_request(port_, "\x07").bytes;
    auto at = stats.find("agent connections served: ");
    return at == std::string::npos ? -1 : std::stoi(stats.substr(at + 26));
  };
  int before = served();
  ASSERT_GE(before, 0);
  int fd = raw_connect(http_port());
  ASSERT_GE(fd, 0);
  std::string three = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, three.data(), three.size(), MSG_NOSIGNAL), static_cast<ssize_t>(three.size()));
  RawReply r = read_to_end(fd, std::chrono::seconds(30));
  ::close(fd);
  ASSERT_TRUE(r.eof);
  // The stats request before, and the HTTP connection (its end is counted
  // before it is closed, so before read_to_end saw the end).
  EXPECT_EQ(served(), before + 2);
}

TEST_F(HttpServer, GarbageGetsGos400AndTheConnectionCloses) {
  EXPECT_EQ(http("GARBAGE\r\n\r\n"),
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
            "400 Bad Request");
  EXPECT_EQ(http("GET / HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Connection: close\r\n\r\n400 Bad Request: missing required Host header");
  std::string answer = http(get("/metrics"));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
}

TEST_F(HttpServer, MetricsGzippedWhenAsked) {
  std::string answer = http(get("/metrics", "Accept-Encoding: gzip\r\n"));
  EXPECT_NE(answer.find("Content-Encoding: gzip\r\n"), std::string::npos) << answer.substr(0, 300);
  auto text = pprof::gunzip(body_of(answer));
  ASSERT_TRUE(text) << text.message();
  EXPECT_NE(text->find("# TYPE cpp_info gauge\n"), std::string::npos);
}

// Slow clients that never finish their request (slowloris) hold slots,
// not the endpoint: others are answered at once, and each slow one is
// dropped at the read deadline.
TEST_F(HttpServer, SlowClientsDoNotStopIt) {
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    int fd = raw_connect(http_port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "GET /metrics HTTP/1.1\r\nHo", 25, MSG_NOSIGNAL), 25);
    slow.push_back(fd);
  }
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(http(get("/metrics"), std::chrono::seconds(5)).starts_with("HTTP/1.1 200 OK"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  for (int fd : slow) {
    RawReply r = read_to_end(fd, std::chrono::seconds(10));
    EXPECT_TRUE(r.eof);  // dropped unanswered at the deadline
    EXPECT_EQ(r.bytes, "");
    ::close(fd);
  }
  std::string stats = raw_request(port_, "\x07").bytes;
  EXPECT_NE(stats.find("agent connections dropped: 50\n"), std::string::npos) << stats;
}

TEST_F(HttpServer, ClientThatNeverReadsCostsNoWorker) {
  // Ask for many large answers and read none of them.
  int fd = raw_connect(http_port());
  ASSERT_GE(fd, 0);
  std::string many;
  for (int i = 0; i < 40; ++i) many += "GET /debug/pprof/goroutine?debug=2 HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, many.data(), many.size(), MSG_NOSIGNAL);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(http(get("/metrics"), std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
  ::close(fd);
}

// A 30 s CPU profile runs; /metrics and the index answer meanwhile.
TEST_F(HttpServer, ProfileDoesNotHoldUpMetrics) {
  int fd = raw_connect(http_port());
  ASSERT_GE(fd, 0);
  std::string profile = get("/debug/pprof/profile?seconds=30");
  ASSERT_EQ(::send(fd, profile.data(), profile.size(), MSG_NOSIGNAL), static_cast<ssize_t>(profile.size()));
  // Wait until the profile runs (its SIGPROF handler is in), without a
  // probe that could start a profile of its own first; then a second one
  // is busy.
  ASSERT_TRUE(eventually([] { return catches_signal(::getpid(), SIGPROF); }, std::chrono::seconds(20)));
  EXPECT_NE(http(get("/debug/pprof/profile?seconds=1")).find("busy"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(http(get("/metrics")).starts_with("HTTP/1.1 200 OK"));
    EXPECT_TRUE(http(get("/debug/pprof/")).starts_with("HTTP/1.1 200 OK"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  }
  // Hanging up stops the profile: the next one may start.
  ::close(fd);
  EXPECT_TRUE(eventually([&] {
    return http(get("/debug/pprof/profile?seconds=1")).starts_with("HTTP/1.1 200 OK");
  }, std::chrono::seconds(20)));
}

TEST_F(HttpServer, GoroutineDeltaOverOneSecond) {
  std::thread extra([] { std::this_thread::sleep_for(std::chrono::milliseconds(2500)); });
  std::string answer = http(get("/debug/pprof/goroutine?seconds=1"));
  extra.join();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer.substr(0, 300);
  EXPECT_NE(answer.find("filename=\"goroutine-delta\""), std::string::npos);
  EXPECT_TRUE(pprof::gunzip(body_of(answer)));
}

TEST_F(HttpServer, AnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it";
  uid_t other = throwaway_user();
  ASSERT_NE(other, 0u);
  std::string got = raw_request_as(other, http_port(), get("/metrics"));
  EXPECT_EQ(got, "<closed>");
  EXPECT_NE(body_of(http(get("/metrics"))).find("cpp_agent_connections_total{result=\"refused\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace gops::test
