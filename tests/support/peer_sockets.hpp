// Real TCP peers run inside the test process, for the cases a Go agent
// cannot show: a listener that records every byte it is sent (to prove the
// client sent nothing), one that never answers, one that closes at once,
// one that resets.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace gops::test {

class TcpPeer {
 public:
  // kStall: sends `reply`, then holds the connection open and silent.
  enum class Mode { kRecord, kSilent, kCloseAtOnce, kReset, kReply, kStall };

  // Listens on 127.0.0.1 (or ::1 with v6) on `port`, 0 for a kernel-chosen one.
  explicit TcpPeer(Mode mode, std::string reply = {}, bool v6 = false, std::uint16_t port = 0);
  ~TcpPeer();
  TcpPeer(const TcpPeer&) = delete;
  TcpPeer& operator=(const TcpPeer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::string received() const;

 private:
  void serve();
  Mode mode_;
  std::string reply_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::string received_;
  std::thread thread_;
};

// Waits until a freshly spawned child runs `program` (its exe link ends in
// "/program"): before exec it still holds our fds and our environment.
bool wait_until_exec(pid_t pid, const std::string& program);

// Whether ::1 can be bound here (containers may have no IPv6).
bool ipv6_loopback_available();

// A port that nothing listens on (bound, then closed).
std::uint16_t unused_port();

}  // namespace gops::test
