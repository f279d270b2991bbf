// Abuse: random bytes, unknown bytes, a varint that never ends,
// 200 concurrent clients, 50 silent clients, clients that leave mid-reply
// or never read. After each: the next proper client is answered, the host's
// own worker thread kept making progress, and the fd count is back.
#include <gops/agent.hpp>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/commands.hpp"
#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

class AgentAbuse : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = std::thread([this] {
      while (!stop_.load()) {
        progress_.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
  }
  void TearDown() override {
    agent::close();
    stop_.store(true);
    worker_.join();
  }

  void start(agent::Options options = {}) {
    options.config_dir = dir_.path();
    auto r = agent::listen(options);
    ASSERT_TRUE(r.ok) << r.error;
    port_ = r.port;
    // The baseline once the agent has served a request: nothing of its
    // start-up is still open then.
    ASSERT_TRUE(raw_request(port_, "\x04", std::chrono::seconds(10)).eof);
    baseline_fds_ = open_fd_count();
    baseline_list_ = open_fds();
  }

  // The checks that follow every abuse.
  void expect_still_healthy() {
    auto before = progress_.load();
    RawReply r = raw_request(port_, "\x04", std::chrono::seconds(5));
    EXPECT_TRUE(r.eof) << "the next proper client was not answered in time";
    EXPECT_NE(r.bytes.find("compiler: "), std::string::npos) << r.bytes;
    EXPECT_TRUE(eventually([&] { return progress_.load() > before + 5; }, std::chrono::seconds(5)))
        << "the host's worker thread stalled";
    EXPECT_TRUE(eventually([&] { return open_fd_count() == baseline_fds_; }, std::chrono::seconds(15)))
        << "fds: " << open_fd_count() << " now:\n" << open_fds() << baseline_fds_ << " before:\n" << baseline_list_;
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
  int baseline_fds_ = 0;
  std::string baseline_list_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned long> progress_{0};
  std::thread worker_;
};

TEST_F(AgentAbuse, RandomBytes) {
  start();
  std::mt19937 rng(4);
  for (int i = 0; i < 100; ++i) {
    std::string junk(1 + rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (static_cast<std::uint8_t>(junk[0]) == 0x01 || static_cast<std::uint8_t>(junk[0]) == 0x09)
      junk[0] = 0x7f;  // keep the run short: no stack dumps or binaries here
    RawReply r = raw_request(port_, junk, std::chrono::seconds(10));
    EXPECT_TRUE(r.eof) << "connection " << i << " left hanging";
  }
  expect_still_healthy();
}

TEST_F(AgentAbuse, UnknownBytesAreClosedUnanswered) {
  start();
  for (int b = 0; b < 256; ++b) {
    if (protocol::command_from_byte(static_cast<std::uint8_t>(b))) continue;
    RawReply r = raw_request(port_, std::string(1, static_cast<char>(b)), std::chrono::seconds(5));
    EXPECT_TRUE(r.eof) << "byte " << b;
    EXPECT_EQ(r.bytes, "") << "byte " << b;
  }
  expect_still_healthy();
}

TEST_F(AgentAbuse, VarintThatNeverEnds) {
  agent::Options options;
  options.read_timeout = std::chrono::milliseconds(500);
  start(options);
  // Too long: refused at the eleventh byte, without waiting.
  auto t0 = std::chrono::steady_clock::now();
  RawReply r = raw_request(port_, "\x10" + std::string(1000, '\x80'), std::chrono::seconds(5));
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.bytes, "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400));
  // Unfinished and then silent: closed at the read deadline.
  t0 = std::chrono::steady_clock::now();
  r = raw_request(port_, "\x10\x80\x80\x80", std::chrono::seconds(5));
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.bytes, "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  expect_still_healthy();
}

TEST_F(AgentAbuse, TwoHundredConcurrentClients) {
  start();
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    int fd = raw_connect(port_);
    ASSERT_GE(fd, 0) << "connect " << i;
    fds.push_back(fd);
  }
  for (int fd : fds) ASSERT_EQ(::send(fd, "\x07", 1, MSG_NOSIGNAL), 1);
  int answered = 0;
  for (int fd : fds) {
    RawReply r = read_to_end(fd, std::chrono::seconds(30));
    if (r.eof && r.bytes.find("OS threads: ") == 0) ++answered;
    ::close(fd);
  }
  EXPECT_EQ(answered, 200);
  expect_still_healthy();
}

TEST_F(AgentAbuse, FiftySilentClientsDoNotBlockOthers) {
  start();  // default read deadline (5 s): the others must not wait for it
  std::vector<int> silent;
  for (int i = 0; i < 50; ++i) {
    int fd = raw_connect(port_);
    ASSERT_GE(fd, 0);
    silent.push_back(fd);
  }
  auto t0 = std::chrono::steady_clock::now();
  RawReply r = raw_request(port_, "\x04", std::chrono::seconds(5));
  EXPECT_TRUE(r.eof);
  EXPECT_NE(r.bytes.find("compiler: "), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  // And the silent ones are dropped at the deadline, not kept forever.
  for (int fd : silent) {
    RawReply dropped = read_to_end(fd, std::chrono::seconds(10));
    EXPECT_TRUE(dropped.eof);
    EXPECT_EQ(dropped.bytes, "");
    ::close(fd);
  }
  expect_still_healthy();
}

TEST_F(AgentAbuse, ClientsThatLeaveMidReply) {
  start();
  for (int i = 0; i < 20; ++i) {
    int fd = raw_connect(port_);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "\x09", 1, MSG_NOSIGNAL), 1);  // the executable: megabytes
    char byte;
    ASSERT_EQ(::recv(fd, &byte, 1, MSG_WAITALL), 1);
    ::close(fd);  // with unread data: a reset
  }
  expect_still_healthy();
}

TEST_F(AgentAbuse, ClientThatNeverReadsHitsTheWriteDeadline) {
  agent::Options options;
  options.write_timeout = std::chrono::milliseconds(1000);
  start(options);
  int fd = raw_connect(port_);
  ASSERT_GE(fd, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_EQ(::send(fd, "\x09", 1, MSG_NOSIGNAL), 1);
  // Meanwhile others are served.
  RawReply r = raw_request(port_, "\x04", std::chrono::seconds(5));
  EXPECT_NE(r.bytes.find("compiler: "), std::string::npos);
  // The agent gives up on the reader at the deadline: counted as dropped,
  // its descriptor closed (what it had queued in the kernel may still trickle
  // out to the client; that is the kernel's, not the agent's, memory).
  EXPECT_TRUE(eventually([&] {
    return raw_request(port_, "\x07").bytes.find("agent connections dropped: 1\n") != std::string::npos;
  }, std::chrono::seconds(5)));
  EXPECT_TRUE(eventually([&] { return open_fd_count() == baseline_fds_ + 1; }, std::chrono::seconds(5)))
      << "only the client's own socket is left";
  ::close(fd);
  expect_still_healthy();
}

// Clients that ask for the executable (megabytes) and never read. Before,
// each held a worker until its 30 s write deadline: four of them stalled
// every other client. Now the poll loop writes the replies and the workers
// are free.
class StalledReaders : public AgentAbuse, public ::testing::WithParamInterface<int> {};

TEST_P(StalledReaders, DoNotStarveTheOthers) {
  start();
  std::vector<int> fds;
  for (int i = 0; i < GetParam(); ++i) {
    int fd = raw_connect(port_);
    ASSERT_GE(fd, 0) << "connect " << i;
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_EQ(::send(fd, "\x09", 1, MSG_NOSIGNAL), 1);
    fds.push_back(fd);
  }
  // The state under test: every reply has started, and none is read.
  for (int fd : fds) {
    ASSERT_TRUE(eventually([fd] {
      int unread = 0;
      return ::ioctl(fd, FIONREAD, &unread) == 0 && unread > 0;
    }, std::chrono::seconds(20)));
  }
  auto t0 = std::chrono::steady_clock::now();
  RawReply r = raw_request(port_, "\x07", std::chrono::seconds(5));
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_TRUE(r.eof) << "stats was not answered within 5 s";
  EXPECT_EQ(r.bytes.rfind("OS threads: ", 0), 0u) << r.bytes;
  // The target is 100 ms (bench figures in bench/README.md); a loaded machine
  // gets more room here.
  EXPECT_LT(took, std::chrono::seconds(2));
  RecordProperty("stats_microseconds", static_cast<int>(took.count()));
  std::printf("stats answered in %.2f ms with %d stalled readers\n", took.count() / 1000.0, GetParam());
  for (int fd : fds) ::close(fd);
  expect_still_healthy();
}

INSTANTIATE_TEST_SUITE_P(Clients, StalledReaders, ::testing::Values(4, 100));

}  // namespace
}  // namespace gops::test
