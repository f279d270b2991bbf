// Failures after resolution, each one line on stderr and a non-zero exit:
// refused, reset, timed out, closed without a reply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "e2e/agent_peer.hpp"
#include "support/peer_sockets.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;

std::string addr(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

void expect_one_line_failure(const RunResult& r, const std::string& text) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(text));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(ConnectionErrors, Refused) {
  auto port = unused_port();
  expect_one_line_failure(gops({"stats", addr(port)}),
                          "couldn't connect to the agent at " + addr(port) + ": connection refused");
}

TEST(ConnectionErrors, ResetByThePeer) {
  TcpPeer peer(TcpPeer::Mode::kReset);
  expect_one_line_failure(gops({"memstats", addr(peer.port())}),
                          "the agent at " + addr(peer.port()) + " reset the connection");
}

TEST(ConnectionErrors, ClosedWithoutAReply) {
  TcpPeer peer(TcpPeer::Mode::kCloseAtOnce);
  expect_one_line_failure(gops({"version", addr(peer.port())}),
                          "the agent at " + addr(peer.port()) + " closed the connection without a reply to version");
  expect_one_line_failure(gops({"pprof-heap", addr(peer.port()), "-o", "/dev/null/x"}), "open /dev/null/x: not a directory");
}

TEST(ConnectionErrors, EmptyProfileAndTraceUseTheGoWording) {
  TcpPeer peer(TcpPeer::Mode::kCloseAtOnce);
  TempDir out;
  auto r = gops({"pprof-heap", addr(peer.port()), "-o", out.path() + "/p"});
  EXPECT_EQ(r.err, "gops: failed to read the profile\n");
  r = gops({"trace", addr(peer.port()), "-o", out.path() + "/t"});
  EXPECT_EQ(r.err, "gops: nothing has traced\n");
  EXPECT_FALSE(std::filesystem::exists(out.path() + "/p"));
}

TEST(ConnectionErrors, SilentAgentTimesOutAfterTimeout) {
  TcpPeer peer(TcpPeer::Mode::kSilent);
  auto start = std::chrono::steady_clock::now();
  auto r = gops({"stack", addr(peer.port()), "--timeout", "300ms"});
  auto took = std::chrono::steady_clock::now() - start;
  expect_one_line_failure(r, "the agent at " + addr(peer.port()) + " sent no reply within 300ms (see --timeout)");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
}

TEST(ConnectionErrors, TheReplyIsPrintedAsSent) {
  TcpPeer peer(TcpPeer::Mode::kReply, "any bytes\x01\n no newline");
  auto r = gops({"stats", addr(peer.port())});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "any bytes\x01\n no newline");
  EXPECT_EQ(peer.received(), "\x07");
}

TEST(ConnectionErrors, ConnectTimeoutWhenTheListenerDropsSyns) {
  // A loopback listener that never accepts, with its backlog full: the
  // kernel drops further SYNs, so connect() hangs until our timeout. (Only
  // loopback: tests here never send to an outside address.)
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    fillers.push_back(fd);
  }
  const std::string target = addr(ntohs(sa.sin_port));
  auto start = std::chrono::steady_clock::now();
  auto r = gops({"stats", target, "--connect-timeout", "300ms"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("couldn't connect to the agent at " + target + ": "));
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
  for (int fd : fillers) ::close(fd);
  ::close(listener);
}

}  // namespace
}  // namespace gops::test

namespace gops::test {
namespace {

TEST(ConnectionErrors, TimeoutsMustBePositiveDurations) {
  auto r = gops({"stats", "127.0.0.1:1", "--timeout", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, ::testing::HasSubstr("--timeout: must be a duration above zero"));
  r = gops({"stats", "127.0.0.1:1", "--connect-timeout", "5h"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, ::testing::HasSubstr("unit not recognized"));
}

}  // namespace
}  // namespace gops::test
