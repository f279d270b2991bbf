// The agent's threads: one listener that accepts, checks the peer and reads
// each command with a deadline (all pending connections in one poll(), so
// silent clients cost a slot, not a thread), and a few workers that run the
// commands and write the replies with a deadline. Idle, every thread sleeps
// in poll() or on a condition variable with no timeout: no wakeups.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include <poll.h>

#include <gops/agent.hpp>

#include "agent/commands/commands.hpp"
#include "agent/commands/counters.hpp"
#include "common/result.hpp"
#include "protocol/varint.hpp"

namespace gops::agent {

class Server {
 public:
  // Connections open at once (pending + queued + being answered); more
  // wait in the kernel's accept queue.
  static constexpr int kMaxOpen = 256;

  // Takes `listen_fd` (registered, non-blocking) and starts the threads.
  static Result<std::unique_ptr<Server>> start(const Options& options, int listen_fd);

  // A connection whose command is being read.
  struct Pending {
    int fd = -1;
    std::chrono::steady_clock::time_point deadline;
    Request request;
    bool have_command = false;
    protocol::VarintDecoder parameter;
  };

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // stops, closes every fd, joins

 private:
  struct Job {
    int fd = -1;
    Request request;
  };
  explicit Server(const Options& options) : options_(options) {}
  void listen_loop();
  void work_loop();
  void serve(const Job& job);
  bool write_all(int fd, const char* data, std::size_t size, std::chrono::steady_clock::time_point deadline);
  void finish(int fd);

  Options options_;
  Counters counters_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // workers -> listener: a slot was freed
  int stop_fd_ = -1;  // written once on stop, never read: wakes every poll()
  std::atomic<int> open_{0};

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<Job> queue_;  // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::stop_source closing_;  // requested on stop: long commands end early

  // The listener's working sets, members rather than locals so that they
  // stay reachable from the (deliberately kept) server in a fork() child.
  std::vector<Pending> pending_, still_;
  std::vector<struct pollfd> polled_;

  std::thread listener_;
  std::vector<std::thread> workers_;
};

}  // namespace gops::agent
