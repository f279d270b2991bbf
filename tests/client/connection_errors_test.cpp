// Failures after resolution, each one line on stderr and a non-zero exit:
// refused, reset, timed out, closed without a reply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "client/agent_peer.hpp"
#include "client/peer_sockets.hpp"

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
  expect_one_line_failure(gops({"pprof-heap", addr(peer.port()), "-o", "/dev/null/x"}), "create /dev/null/x.part");
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

TEST(ConnectionErrors, ConnectTimeoutToAnUnroutableAddress) {
  // TEST-NET-1 (RFC 5737) is never routed: connect() hangs until the timeout,
  // unless the machine has no route at all (then it fails at once).
  auto start = std::chrono::steady_clock::now();
  auto r = gops({"stats", "192.0.2.1:9", "--connect-timeout", "200ms"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("couldn't connect to the agent at 192.0.2.1:9: "));
  EXPECT_LT(took, 5s);
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
