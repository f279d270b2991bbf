// The agent's threads: one poll loop that accepts, checks the peer, reads
// each command with a deadline and writes each reply without blocking (all
// connections in one poll(), so a silent or never-reading client costs a
// slot, not a thread), and a few workers that only compute replies. The
// HTTP endpoint, when there is one, is a second listener of the same loop:
// its connections take the same slots, deadlines, access check and
// workers, and HTTP requests are answered by the routes of agent/http. While a
// command runs, its connection is watched for a hang-up, which stops a CPU
// profile or trace at once. Idle, every thread sleeps in poll() or on a
// condition variable with no timeout: no wakeups.
#pragma once

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
#include "agent/server/connection.hpp"
#include "common/result.hpp"

namespace gops::agent {

class Server {
  using Clock = std::chrono::steady_clock;

 public:
  // Connections open at once (reading + queued + running + writing); more
  // wait in the kernel's accept queue.
  static constexpr std::size_t kMaxOpen = 256;

  // Takes `listen_fd` and `http_listen_fd` (registered, non-blocking; the
  // second -1 without an HTTP endpoint) and starts the threads.
  static Result<std::unique_ptr<Server>> start(const Options& options, int listen_fd, int http_listen_fd = -1);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // stops, closes every fd, joins

 private:
  explicit Server(const Options& options) : options_(options) {}
  void listen_loop();
  void work_loop();
  // The poll loop's steps.
  void poll_once();
  void read_command(Connection& c, short revents, Clock::time_point now);
  void read_http_request(Connection& c, short revents, Clock::time_point now);
  // The HTTP parser has a whole request (queued) or a bad one (answered
  // with Go's error, then closed).
  void take_http_request(Connection& c, Clock::time_point now);
  void queue(Connection& c, bool costly);
  void write_reply(Connection& c, Clock::time_point now);
  void take_replies(Clock::time_point now);
  void accept_clients();
  void accept_from(int listen_fd, Connection::Protocol protocol);
  // A kept-alive connection that was answered and then closed or idled out:
  // served, nothing more to read away.
  void close_quietly(Connection& c);
  void finish(Connection& c, bool served);

  // Whether a worker may take a job now (called under mutex_).
  bool job_ready() const;

  Options options_;
  Counters counters_;
  int listen_fd_ = -1;
  int http_listen_fd_ = -1;
  int wake_fd_ = -1;  // workers -> poll loop: a reply is ready
  int stop_fd_ = -1;  // written once on stop, never read: wakes every poll()
  std::size_t costly_limit_ = 1;  // workers that may run costly commands at once

  std::mutex mutex_;
  std::condition_variable work_ready_;
  // Guarded by mutex_: jobs by cost (quick ones first), finished ones.
  std::deque<Connection*> quick_, costly_;
  std::vector<Connection*> done_;
  std::size_t costly_running_ = 0;
  bool stopping_ = false;
  std::stop_source closing_;  // requested on stop: long commands end early

  // The poll loop's own state. Members rather than locals so that they stay
  // reachable from the (deliberately kept) server in a fork() child, and so
  // that connections outlive the workers that may still hold one at stop.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<struct pollfd> polled_;
  std::vector<Connection*> handed_back_;
  bool backing_off_ = false;  // accept failed for lack of descriptors

  std::thread listener_;
  std::vector<std::thread> workers_;
};

}  // namespace gops::agent
