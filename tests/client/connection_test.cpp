// exchange() against real sockets in this process.
#include "client/connection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/peer_sockets.hpp"

namespace gops::client {
namespace {

using ::testing::HasSubstr;
using test::TcpPeer;
using namespace std::chrono_literals;

std::vector<Endpoint> at(std::uint16_t port) { return {loopback_endpoint(port)}; }

const std::uint8_t kStats[] = {0x07};

TEST(Exchange, SendsTheRequestAndReadsToEndOfStream) {
  std::string big(300000, 'x');  // several reads
  TcpPeer peer(TcpPeer::Mode::kReply, big);
  auto r = exchange_text(at(peer.port()), kStats, Timeouts{});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, big);
  EXPECT_EQ(peer.received(), "\x07");
}

TEST(Exchange, TriesTheNextAddressWhenOneRefuses) {
  TcpPeer peer(TcpPeer::Mode::kReply, "ok");
  std::vector<Endpoint> eps = {loopback_endpoint(test::unused_port()), loopback_endpoint(peer.port())};
  auto r = exchange_text(eps, kStats, Timeouts{});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, "ok");
}

TEST(Exchange, ReportsTheFirstFailureWhenAllRefuse) {
  auto p1 = test::unused_port();
  auto r = exchange_text({loopback_endpoint(p1)}, kStats, Timeouts{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "couldn't connect to the agent at 127.0.0.1:" + std::to_string(p1) + ": connection refused");
}

TEST(Exchange, IdleTimeoutAndTheCommandsOwnRunTime) {
  TcpPeer peer(TcpPeer::Mode::kSilent);
  Timeouts t;
  t.idle = 100ms;
  t.work = 400ms;
  auto start = std::chrono::steady_clock::now();
  auto r = exchange_text(at(peer.port()), kStats, t);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("sent no reply within 500ms"));
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 3s);
}

TEST(Exchange, ResetIsAnError) {
  TcpPeer peer(TcpPeer::Mode::kReset);
  auto r = exchange_text(at(peer.port()), kStats, Timeouts{});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("reset the connection"));
}

TEST(Exchange, ReplyLargerThanTheLimitIsAnError) {
  TcpPeer peer(TcpPeer::Mode::kReply, std::string(3u << 20, 'y'));
  auto r = exchange_text(at(peer.port()), kStats, Timeouts{}, 1u << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "the agent's reply is larger than 1 MiB");
}

TEST(Exchange, SinkErrorStopsTheRead) {
  TcpPeer peer(TcpPeer::Mode::kReply, "data");
  auto r = exchange(at(peer.port()), kStats, Timeouts{},
                    [](std::span<const char>) -> Status { return Error{"disk full"}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "disk full");
}

TEST(Exchange, EmptyReplyIsZeroBytesNotAnError) {
  TcpPeer peer(TcpPeer::Mode::kCloseAtOnce);
  auto r = exchange(at(peer.port()), kStats, Timeouts{}, [](std::span<const char>) -> Status { return Ok{}; });
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, 0u);
}

}  // namespace
}  // namespace gops::client
