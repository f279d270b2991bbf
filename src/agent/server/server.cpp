#include "common/errno_text.hpp"
#include "agent/server/server.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/host/agent_threads.hpp"
#include "agent/http/routes.hpp"
#include "agent/server/fd_registry.hpp"
#include "agent/server/peer_access.hpp"

namespace gops::agent {

using Clock = std::chrono::steady_clock;

namespace {

int millis_until(Clock::time_point deadline, Clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<long long>(left + 1, 1 << 30));
}

void signal_fd(int fd) {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

// Bytes a client sent beyond its command would turn our close() into a
// reset that can destroy the reply in flight: read them away first.
void drain(int fd) {
  char buf[4096];
  for (int i = 0; i < 16; ++i) {
    if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) break;
  }
}

// The commands that can take a while (a stack dump of many threads, the
// profiles, a trace, gc on a large heap). The others answer at once, and a
// worker is kept for them.
bool is_costly(protocol::Command c) {
  using protocol::Command;
  switch (c) {
    case Command::kStack:
    case Command::kGc:
    case Command::kHeapProfile:
    case Command::kCpuProfile:
    case Command::kCpuProfileFor:
    case Command::kTrace:
    case Command::kTraceFor:
      return true;
    default:
      return false;
  }
}

// The agent's threads take no host signal (those belong to the host's
// threads) and run their own code only.
template <class Fn>
std::thread start_thread_without_signals(Fn fn) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread t;
  try {
    t = std::thread([fn] {
      note_agent_thread_started();
      fn();
      note_agent_thread_ended();
    });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

// An HTTP request's whole answer, as bytes for the connection.
Reply http_reply(const http::Request& request, bool keep_alive, const CommandContext& context) noexcept {
  try {
    http::Response response = http::route(request, context);
    return Reply{http::to_wire(response, request.method == "HEAD", !keep_alive)};
  } catch (...) {
    try {
      return Reply{http::to_wire(http::error_response(500, "out of memory or internal error while answering"),
                                 false, true)};
    } catch (...) {
      return Reply{};
    }
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const Options& options, int listen_fd, int http_listen_fd) {
  std::unique_ptr<Server> server(new Server(options));
  server->listen_fd_ = listen_fd;
  server->http_listen_fd_ = http_listen_fd;
  server->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  server->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->wake_fd_ < 0 || server->stop_fd_ < 0) return Error{std::string("eventfd: ") + errno_text(errno)};
  fd_registry::add(server->wake_fd_);
  fd_registry::add(server->stop_fd_);
  int workers = std::clamp(options.max_concurrent, 1, 64);
  server->costly_limit_ = workers > 1 ? static_cast<std::size_t>(workers - 1) : 1;
  try {
    server->listener_ = start_thread_without_signals([s = server.get()] { s->listen_loop(); });
    for (int i = 0; i < workers; ++i)
      server->workers_.push_back(start_thread_without_signals([s = server.get()] { s->work_loop(); }));
  } catch (const std::exception& e) {
    return Error{std::string("cannot start agent threads: ") + e.what()};
  }
  return server;
}

Server::~Server() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  if (stop_fd_ >= 0) signal_fd(stop_fd_);
  work_ready_.notify_all();
  closing_.request_stop();  // a CPU profile or trace under way ends now
  if (listener_.joinable()) listener_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  for (const auto& c : connections_) fd_registry::close_fd(c->fd);
  for (int fd : {listen_fd_, http_listen_fd_, wake_fd_, stop_fd_})
    if (fd >= 0) fd_registry::close_fd(fd);
}

void Server::listen_loop() {
  pthread_setname_np(pthread_self(), "gops-agent");
  for (;;) {
    polled_.clear();
    polled_.push_back({stop_fd_, POLLIN, 0});
    polled_.push_back({wake_fd_, POLLIN, 0});
    bool room = connections_.size() < kMaxOpen;
    polled_.push_back({room ? listen_fd_ : -1, POLLIN, 0});
    polled_.push_back({room ? http_listen_fd_ : -1, POLLIN, 0});
    auto now = Clock::now();
    int timeout = -1;  // idle: sleep until something happens
    auto until = [&](Clock::time_point deadline) {
      int left = millis_until(deadline, now);
      timeout = timeout < 0 ? left : std::min(timeout, left);
    };
    for (const auto& c : connections_) {
      switch (c->phase) {
        case Connection::Phase::kReading:
          polled_.push_back({c->fd, POLLIN, 0});
          until(c->deadline);
          break;
        case Connection::Phase::kAwaitingReply:
          // POLLRDHUP: the client shut down its side; POLLHUP/POLLERR come
          // unasked. Once seen, the socket stays out of the set (the
          // condition would hold on every poll) until the reply is there.
          polled_.push_back({c->hung_up ? -1 : c->fd, POLLRDHUP, 0});
          break;
        case Connection::Phase::kWriting:
          polled_.push_back({c->fd, POLLOUT, 0});
          until(c->deadline);
          break;
      }
    }
    if (backing_off_) timeout = timeout < 0 ? 100 : std::min(timeout, 100);
    int n = ::poll(polled_.data(), polled_.size(), timeout);
    if (n < 0 && errno != EINTR) break;  // cannot happen with valid fds; never spin
    if (n < 0) continue;
    if (polled_[0].revents) break;
    if (polled_[1].revents) {
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
    }

    now = Clock::now();
    // polled_[kFirst + i] belongs to connections_[i]: the vector does not
    // change until the pass is over.
    constexpr std::size_t kFirst = 4;
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      Connection& c = *connections_[i];
      short revents = polled_[kFirst + i].revents;
      switch (c.phase) {
        case Connection::Phase::kReading:
          if (c.protocol == Connection::Protocol::kHttp)
            read_http_request(c, revents, now);
          else
            read_command(c, revents, now);
          break;
        case Connection::Phase::kAwaitingReply:
          if (revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            c.hung_up = true;
            c.stop.request_stop();
          }
          break;
        case Connection::Phase::kWriting:
          if (revents & (POLLOUT | POLLHUP | POLLERR))
            write_reply(c, now);
          else if (now >= c.deadline)
            finish(c, false);  // no progress within write_timeout
          break;
      }
    }
    take_replies(now);
    // Finished connections were closed and marked with fd -1.
    std::erase_if(connections_, [](const auto& c) { return c->fd < 0; });
    accept_clients();
  }
}

void Server::read_command(Connection& c, short revents, Clock::time_point now) {
  auto state = RequestParser::State::kNeedMore;
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    std::uint8_t buf[32];
    ssize_t got = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got > 0)
      state = c.parser.feed({buf, static_cast<std::size_t>(got)});
    else if (got == 0 || (errno != EAGAIN && errno != EINTR))
      state = RequestParser::State::kBad;
  }
  if (state == RequestParser::State::kNeedMore && now >= c.deadline) state = RequestParser::State::kBad;  // too slow
  if (state == RequestParser::State::kNeedMore) return;
  if (state == RequestParser::State::kBad) {
    finish(c, false);  // as the Go agent: closed, no reply
    return;
  }
  queue(c, is_costly(c.parser.request().command));
}

void Server::queue(Connection& c, bool costly) {
  c.phase = Connection::Phase::kAwaitingReply;
  std::lock_guard guard(mutex_);
  (costly ? costly_ : quick_).push_back(&c);
  work_ready_.notify_one();
}

void Server::read_http_request(Connection& c, short revents, Clock::time_point now) {
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    char buf[4096];
    ssize_t got = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
      // Gone: between requests of a kept-alive connection that is the
      // normal end; in the middle of one, a dropped client.
      if (c.answered && !c.http.has_buffered()) close_quietly(c);
      else finish(c, false);
      return;
    }
    if (got > 0) c.http.feed({buf, static_cast<std::size_t>(got)});
  }
  if (c.http.state() != http::RequestParser::State::kNeedMore) {
    take_http_request(c, now);
  } else if (now >= c.deadline) {
    // Too slow: an idle kept-alive connection ends quietly, a request that
    // never finished arriving (slowloris) is dropped unanswered.
    if (c.answered && !c.http.has_buffered()) close_quietly(c);
    else finish(c, false);
  }
}

void Server::take_http_request(Connection& c, Clock::time_point now) {
  if (c.http.state() == http::RequestParser::State::kBad) {
    // Go's answer to what it cannot parse, then the connection closes.
    c.reply.text = http::unparsable_request_bytes(c.http.error_status(), c.http.error_text());
    c.refused_request = true;
    c.keep_alive = false;
    c.phase = Connection::Phase::kWriting;
    c.deadline = now + options_.write_timeout;
    write_reply(c, now);
    return;
  }
  c.keep_alive = c.http.request().keep_alive;
  queue(c, http::is_costly(c.http.request()));
}

void Server::close_quietly(Connection& c) {
  counters_.served.fetch_add(1);
  fd_registry::close_fd(c.fd);
  c.fd = -1;
}

void Server::write_reply(Connection& c, Clock::time_point now) {
  bool progressed = false;
  switch (c.write_some(&progressed)) {
    case Connection::Progress::kDone:
      if (c.protocol == Connection::Protocol::kHttp && c.keep_alive) {
        c.answered = true;  // counted once, when the connection ends
        c.reset_for_next_request(now + options_.read_timeout);
        // A request sent behind this one (pipelined) may be whole already.
        if (c.http.next() != http::RequestParser::State::kNeedMore) take_http_request(c, now);
        return;
      }
      finish(c, !c.refused_request);
      return;
    case Connection::Progress::kFailed:
      finish(c, false);
      return;
    case Connection::Progress::kMore:
      if (progressed)
        c.deadline = now + options_.write_timeout;
      else if (now >= c.deadline)
        finish(c, false);
      return;
  }
}

void Server::take_replies(Clock::time_point now) {
  handed_back_.clear();
  {
    std::lock_guard guard(mutex_);
    handed_back_.swap(done_);
  }
  for (Connection* c : handed_back_) {
    c->phase = Connection::Phase::kWriting;
    c->deadline = now + options_.write_timeout;
    write_reply(*c, now);  // most replies go out in one send, without another poll round
  }
}

void Server::accept_clients() {
  backing_off_ = false;
  accept_from(listen_fd_, Connection::Protocol::kGops);
  if (http_listen_fd_ >= 0) accept_from(http_listen_fd_, Connection::Protocol::kHttp);
}

void Server::accept_from(int listen_fd, Connection::Protocol protocol) {
  while (connections_.size() < kMaxOpen) {
    int fd = fd_registry::accept_registered(listen_fd);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) backing_off_ = true;
      return;  // EAGAIN: queue empty; ECONNABORTED etc.: next round
    }
    PeerVerdict verdict = check_peer(fd, options_.access, options_.allow_non_loopback);
    if (!verdict.allowed) {
      counters_.refused.fetch_add(1);
      fd_registry::close_fd(fd);
      continue;
    }
    connections_.push_back(std::make_unique<Connection>(fd, Clock::now() + options_.read_timeout, protocol));
  }
}

void Server::finish(Connection& c, bool served) {
  (served ? counters_.served : counters_.dropped).fetch_add(1);
  drain(c.fd);
  fd_registry::close_fd(c.fd);
  c.fd = -1;
}

bool Server::job_ready() const {
  return !quick_.empty() || (!costly_.empty() && costly_running_ < costly_limit_);
}

void Server::work_loop() {
  pthread_setname_np(pthread_self(), "gops-worker");
  for (;;) {
    Connection* c = nullptr;
    bool costly = false;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || job_ready(); });
      if (stopping_) return;
      costly = quick_.empty();
      auto& queue = costly ? costly_ : quick_;
      c = queue.front();
      queue.pop_front();
      if (costly) ++costly_running_;
    }
    {
      // The command stops early when its client hangs up or the agent closes.
      std::stop_callback on_close(closing_.get_token(), [c] { c->stop.request_stop(); });
      CommandContext context{&options_, &counters_, {c->stop.get_token(), closing_.get_token()}};
      if (c->protocol == Connection::Protocol::kHttp)
        c->reply = http_reply(c->http.request(), c->keep_alive, context);
      else
        c->reply = run_command(c->parser.request(), context);
    }
    // Closing: the poll loop is going away, so the reply (one short line,
    // "... stopped: the agent is closing") is sent from here, where it fits
    // in the socket's buffer, and not handed back to be sent twice.
    const bool closing = closing_.stop_requested();
    if (closing) {
      [[maybe_unused]] ssize_t n =
          ::send(c->fd, c->reply.text.data(), c->reply.text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    {
      std::lock_guard guard(mutex_);
      if (!closing) done_.push_back(c);
      if (costly) --costly_running_;
    }
    if (costly) work_ready_.notify_one();  // a costly job may wait for that slot
    if (!closing) signal_fd(wake_fd_);
  }
}

}  // namespace gops::agent
