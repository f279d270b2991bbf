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
#include "agent/http/request_parser.hpp"
#include "agent/server/request_parser.hpp"

namespace gops::agent {

struct Connection {
  using Clock = std::chrono::steady_clock;

  enum class Phase {
    kReading,        // the command is arriving; polled for input
    kAwaitingReply,  // queued or running on a worker; polled for a hang-up
    kWriting,        // the reply is going out; polled for room to write
  };

  // What the client speaks: the gops protocol (one command, one reply,
  // closed) or HTTP/1.x (requests one after the other while it keeps the
  // connection alive).
  enum class Protocol { kGops, kHttp };

  Connection(int socket, Clock::time_point read_deadline, Protocol spoken = Protocol::kGops)
      : fd(socket), protocol(spoken), deadline(read_deadline) {}
  ~Connection();  // closes the reply's stream fd; `fd` is the server's to close
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd;
  Protocol protocol;
  Phase phase = Phase::kReading;
  Clock::time_point deadline;  // kReading: for the command; kWriting: for the next progress
  RequestParser parser;       // kGops
  http::RequestParser http;   // kHttp: the request, and the bytes of those after it
  bool keep_alive = false;    // kHttp: read the next request once this reply is out
  bool answered = false;      // kHttp: a reply went out on this connection already
  bool refused_request = false;  // kHttp: the reply is an error for an unparsable request

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

  // kHttp, keep-alive: back to reading, the reply and its progress
  // forgotten, a fresh stop source for the next request.
  void reset_for_next_request(Clock::time_point read_deadline);

 private:
  std::size_t text_sent_ = 0;
  std::unique_ptr<char[]> chunk_;  // the stream's bytes read but not yet sent
  std::size_t chunk_size_ = 0, chunk_sent_ = 0;
};

}  // namespace gops::agent
