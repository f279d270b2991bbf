// The public entry points: listen() and close(), and what ties the agent's
// life to the process's (fork, exit).
#include <gops/agent.hpp>

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "common/errno_text.hpp"
#include "agent/server/address.hpp"
#include "agent/server/fd_registry.hpp"
#include "agent/server/port_file_owner.hpp"
#include "agent/server/server.hpp"
#include "protocol/port_file.hpp"

namespace gops::agent {
namespace {

std::mutex g_mutex;
// Heap-held and never destroyed at exit: the threads may still run while
// static destructors do. A fork() child drops it without destroying it
// (its threads do not exist there).
Server* g_server = nullptr;  // guarded by g_mutex
Server* g_parents_server = nullptr;  // in a fork() child: kept reachable, never used

void fork_prepare() {
  g_mutex.lock();
  fd_registry::lock();
}
void fork_parent() {
  fd_registry::unlock();
  g_mutex.unlock();
}
// The child has no agent: no threads, none of its descriptors, and the
// parent's port file is not its to remove. It may call listen() afresh.
void fork_child() {
  fd_registry::close_all_in_child();
  disown_port_file();
  // Not destroyed: that would join threads that do not exist here.
  g_parents_server = g_server;
  g_server = nullptr;
  fd_registry::unlock();
  g_mutex.unlock();
}

std::string failed(const std::string& what) { return what + ": " + errno_text(errno); }

Result<int> open_listener(const Options& options) {
  auto address = parse_address(options.address);
  if (!address) return address.error();
  if (!address->is_loopback() && !options.allow_non_loopback)
    return Error{"agent address " + options.address +
                 " is not loopback; set Options::allow_non_loopback to listen there"};
  int fd = ::socket(address->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{failed("socket")};
  int on = 1;
  bool ok = true;
  if (options.reuse_socket_addr_and_port) {
    ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0;
  }
  std::string what = "listen on " + options.address;
  if (!ok || ::bind(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    std::string message = failed(what);
    ::close(fd);
    return Error{message};
  }
  if (!fd_registry::add(fd)) {
    ::close(fd);
    return Error{"agent descriptor registry full"};
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

ListenResult listen_locked(const Options& options) {
  if (g_server != nullptr) return {false, "gops agent already listening (call gops::agent::close() first)", 0, {}};
  auto fd = open_listener(options);
  if (!fd) return {false, fd.message(), 0, {}};
  std::uint16_t port = bound_port(*fd);
  // No dir, or no way to write there, is no reason not to serve: clients
  // can name the address. The warning says so.
  std::string warning;
  std::string dir = options.config_dir;
  if (dir.empty()) {
    auto found = protocol::config_dir(protocol::process_env(), ::geteuid());
    if (found) dir = *found;
    else warning = found.message();
  }
  if (!dir.empty()) warning = publish_port_file(dir, port);
  if (!warning.empty())
    warning = "no port file (" + warning + "): `gops PID` will not find this agent; name it as " +
              options.address.substr(0, options.address.rfind(':')) + ":" + std::to_string(port);
  auto server = Server::start(options, *fd);
  if (!server) {
    remove_port_file();
    return {false, server.message(), 0, {}};
  }
  g_server = server->release();
  remove_port_file_at_exit();
  if (options.shutdown_cleanup) install_cleanup_signal_handlers();
  return {true, {}, port, std::move(warning)};
}

}  // namespace

ListenResult listen(const Options& options) noexcept {
  try {
    static std::once_flag fork_handlers;
    std::call_once(fork_handlers, [] { ::pthread_atfork(fork_prepare, fork_parent, fork_child); });
    std::lock_guard guard(g_mutex);
    return listen_locked(options);
  } catch (const std::exception& e) {
    ListenResult r;
    try {
      r.error = std::string("gops agent: ") + e.what();
    } catch (...) {
    }
    return r;
  } catch (...) {
    return ListenResult{};
  }
}

void close() noexcept {
  std::lock_guard guard(g_mutex);
  remove_port_file();
  delete g_server;
  g_server = nullptr;
}

}  // namespace gops::agent
