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
#include "agent/server/fd_registry.hpp"
#include "agent/server/peer_access.hpp"
#include "protocol/varint.hpp"

namespace gops::agent {

using Clock = std::chrono::steady_clock;

namespace {

int millis_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
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

enum class Feed { kNeedMore, kComplete, kBad };

// Parses what a client sent so far: the command byte, then its varint.
Feed feed_bytes(Server::Pending& p, const std::uint8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!p.have_command) {
      auto command = protocol::command_from_byte(bytes[i]);
      if (!command) return Feed::kBad;  // as the Go agent: closed, no reply
      p.request.command = *command;
      p.have_command = true;
      if (!takes_varint(*command)) return Feed::kComplete;
      continue;
    }
    switch (p.parameter.feed(bytes[i])) {
      case protocol::VarintState::kNeedMore: continue;
      case protocol::VarintState::kOverflow: return Feed::kBad;
      case protocol::VarintState::kDone:
        p.request.parameter = p.request.command == protocol::Command::kSetGcPercent
                                  ? p.parameter.svalue()
                                  : static_cast<std::int64_t>(std::min<std::uint64_t>(p.parameter.uvalue(), INT64_MAX));
        return Feed::kComplete;
    }
  }
  return Feed::kNeedMore;
}
}  // namespace

Result<std::unique_ptr<Server>> Server::start(const Options& options, int listen_fd) {
  std::unique_ptr<Server> server(new Server(options));
  server->listen_fd_ = listen_fd;
  server->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  server->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->wake_fd_ < 0 || server->stop_fd_ < 0) return Error{std::string("eventfd: ") + std::strerror(errno)};
  fd_registry::add(server->wake_fd_);
  fd_registry::add(server->stop_fd_);
  int workers = std::clamp(options.max_concurrent, 1, 64);
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
  for (const Job& job : queue_) fd_registry::close_fd(job.fd);
  for (int fd : {listen_fd_, wake_fd_, stop_fd_})
    if (fd >= 0) fd_registry::close_fd(fd);
}

void Server::listen_loop() {
  pthread_setname_np(pthread_self(), "gops-agent");
  std::vector<Pending>& pending = pending_;
  std::vector<pollfd>& polled = polled_;
  bool backing_off = false;  // accept failed for lack of descriptors
  for (;;) {
    polled.clear();
    bool accepting = open_.load() < kMaxOpen;
    polled.push_back({stop_fd_, POLLIN, 0});
    polled.push_back({wake_fd_, POLLIN, 0});
    polled.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    int timeout = -1;  // idle: sleep until something happens
    for (const Pending& p : pending) {
      polled.push_back({p.fd, POLLIN, 0});
      int left = millis_until(p.deadline);
      timeout = timeout < 0 ? left : std::min(timeout, left);
    }
    if (backing_off) timeout = timeout < 0 ? 100 : std::min(timeout, 100);
    int n = ::poll(polled.data(), polled.size(), timeout);
    if (n < 0 && errno != EINTR) break;  // cannot happen with valid fds; never spin
    if (n < 0) continue;
    if (polled[0].revents) break;
    if (polled[1].revents) {
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
    }

    // Read commands from connections that have sent something.
    std::vector<Pending>& still = still_;
    still.clear();
    auto now = Clock::now();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      Pending& p = pending[i];
      short events = polled[3 + i].revents;
      Feed state = Feed::kNeedMore;
      if (events & (POLLIN | POLLHUP | POLLERR)) {
        std::uint8_t buf[16];
        ssize_t got = ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got > 0)
          state = feed_bytes(p, buf, static_cast<std::size_t>(got));
        else if (got == 0 || (errno != EAGAIN && errno != EINTR))
          state = Feed::kBad;
      }
      if (state == Feed::kNeedMore && now >= p.deadline) state = Feed::kBad;  // too slow
      if (state == Feed::kNeedMore) {
        still.push_back(p);
      } else if (state == Feed::kBad) {
        counters_.dropped.fetch_add(1);
        fd_registry::close_fd(p.fd);
        open_.fetch_sub(1);
      } else {
        std::lock_guard guard(mutex_);
        queue_.push_back({p.fd, p.request});
        work_ready_.notify_one();
      }
    }
    pending.swap(still);

    // Accept what is waiting, up to the bound.
    backing_off = false;
    while (accepting && open_.load() < kMaxOpen) {
      int fd = fd_registry::accept_registered(listen_fd_);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) backing_off = true;
        break;  // EAGAIN: queue empty; ECONNABORTED etc.: next round
      }
      PeerVerdict verdict = check_peer(fd, options_.access, options_.allow_non_loopback);
      if (!verdict.allowed) {
        counters_.refused.fetch_add(1);
        fd_registry::close_fd(fd);
        continue;
      }
      open_.fetch_add(1);
      Pending p;
      p.fd = fd;
      p.deadline = Clock::now() + options_.read_timeout;
      pending.push_back(p);
    }
  }
  for (const Pending& p : pending) fd_registry::close_fd(p.fd);
}

void Server::work_loop() {
  pthread_setname_np(pthread_self(), "gops-worker");
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    serve(job);
    finish(job.fd);
  }
}

void Server::finish(int fd) {
  drain(fd);
  fd_registry::close_fd(fd);
  if (open_.fetch_sub(1) == kMaxOpen) signal_fd(wake_fd_);  // the listener may accept again
}

void Server::serve(const Job& job) {
  CommandContext context{&options_, &counters_, closing_.get_token()};
  Reply reply = run_command(job.request, context);
  auto deadline = Clock::now() + options_.write_timeout;
  bool ok = write_all(job.fd, reply.text.data(), reply.text.size(), deadline);
  if (reply.stream_fd >= 0) {
    char buf[64 * 1024];
    while (ok) {
      ssize_t n = ::read(reply.stream_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      ok = write_all(job.fd, buf, static_cast<std::size_t>(n), deadline);
    }
    ::close(reply.stream_fd);
  }
  (ok ? counters_.served : counters_.dropped).fetch_add(1);
}

bool Server::write_all(int fd, const char* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;  // peer gone
    int left = millis_until(deadline);
    if (left == 0) return false;
    pollfd fds[2] = {{fd, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, left) < 0 && errno != EINTR) return false;
    if (fds[1].revents) return false;  // closing
  }
  return true;
}

}  // namespace gops::agent
