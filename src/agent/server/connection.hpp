// One client of the agent, from accept to close, driven by the server's
// poll loop: its command is read with a deadline, a worker computes the
// reply, and the poll loop writes it without ever blocking, with a deadline
// on each write's progress rather than on the whole reply. A client that
// never reads costs its buffered reply and a slot, not a worker thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>

#include "agent/commands/commands.hpp"
#include "agent/server/request_parser.hpp"

namespace gops::agent {

struct Connection {
  using Clock = std::chrono::steady_clock;

  enum class Phase {
    kReading,        // the command is arriving; polled for input
    kAwaitingReply,  // queued or running on a worker; polled for a hang-up
    kWriting,        // the reply is going out; polled for room to write
  };

  Connection(int socket, Clock::time_point read_deadline) : fd(socket), deadline(read_deadline) {}
  ~Connection();  // closes the reply's stream fd; `fd` is the server's to close
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd;
  Phase phase = Phase::kReading;
  Clock::time_point deadline;  // kReading: for the command; kWriting: for the next progress
  RequestParser parser;

  // Requested when the client hangs up while its command runs (and, through
  // the server, when the agent closes): a CPU profile or trace stops then.
  std::stop_source stop;
  bool hung_up = false;  // seen; the socket is not polled again until the reply is there

  // Written by the worker, read by the poll loop once the worker has handed
  // the connection back (under the server's mutex).
  Reply reply;

  enum class Progress { kMore, kDone, kFailed };
  // Sends what the socket takes now: the reply's text, then its stream's
  // bytes. `progressed` says whether any byte went out. At most
  // kTurnBytes per call, so that a turn of the poll loop stays short
  // however many large replies are going out (the kernel takes about 1 MiB
  // into the buffers of a loopback client that never reads), and a new
  // client waits a few turns, not for all of them.
  Progress write_some(bool* progressed);

  static constexpr std::size_t kTurnBytes = 64 * 1024;

 private:
  std::size_t text_sent_ = 0;
  std::unique_ptr<char[]> chunk_;  // the stream's bytes read but not yet sent
  std::size_t chunk_size_ = 0, chunk_sent_ = 0;
};

}  // namespace gops::agent
