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

#include "agent/server/address.hpp"
#include "agent/server/fd_registry.hpp"
#include "agent/server/port_file_owner.hpp"
#include "agent/server/server.hpp"
#include "protocol/port_file.hpp"

// Which copy of the agent runs in this process. A program can hold two:
// the one it links, and libgops_agent.so preloaded into it. Each copy
// defines this symbol with default visibility, the preloaded library
// exports it and so does a program linking gops::agent (its link options
// add --export-dynamic-symbol), so the dynamic linker binds every copy's
// references to one definition: the first copy to start owns the process.
extern "C" {
GOPS_AGENT_API void* gops_agent_owner_v1 = nullptr;
}

namespace gops::agent {
namespace {

std::mutex g_mutex;
char g_this_copy;  // its address names this copy of the library

bool claim_process() {
  void* expected = nullptr;
  return __atomic_compare_exchange_n(&gops_agent_owner_v1, &expected, &g_this_copy, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) ||
         expected == &g_this_copy;
}

void release_process() {
  void* expected = &g_this_copy;
  __atomic_compare_exchange_n(&gops_agent_owner_v1, &expected, nullptr, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
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
  if (g_server != nullptr) release_process();
  g_server = nullptr;
  fd_registry::unlock();
  g_mutex.unlock();
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

Result<int> open_listener(const Options& options) {
  auto address = parse_address(options.address);
  if (!address) return address.error();
  if (!address->is_loopback() && !options.allow_non_loopback)
    return Error{"agent address " + options.address +
                 " is not loopback; set Options::allow_non_loopback to listen there"};
  int fd = ::socket(address->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{errno_text("socket")};
  int on = 1;
  bool ok = true;
  if (options.reuse_socket_addr_and_port) {
    ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0;
  }
  std::string what = "listen on " + options.address;
  if (!ok || ::bind(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    std::string message = errno_text(what.c_str());
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

ListenResult listen_claimed(const Options& options);

ListenResult listen_locked(const Options& options) {
  if (g_server != nullptr) return {false, "gops agent already listening (call gops::agent::close() first)", 0};
  if (!claim_process())
    return {false, "a gops agent already runs in this process (libgops_agent.so preloaded, or another copy)", 0};
  ListenResult result = listen_claimed(options);
  if (!result.ok) release_process();
  return result;
}

ListenResult listen_claimed(const Options& options) {
  std::string dir = options.config_dir;
  if (dir.empty()) {
    auto found = protocol::config_dir(protocol::process_env());
    if (!found) return {false, found.message(), 0};
    dir = *found;
  }
  auto fd = open_listener(options);
  if (!fd) return {false, fd.message(), 0};
  std::uint16_t port = bound_port(*fd);
  bool written = false;
  if (auto published = publish_port_file(dir, port, &written); !published) {
    fd_registry::close_fd(*fd);
    return {false, published.message(), 0};
  }
  auto server = Server::start(options, *fd);
  if (!server) {
    remove_port_file();
    return {false, server.message(), 0};
  }
  g_server = server->release();
  remove_port_file_at_exit();
  if (options.shutdown_cleanup) install_cleanup_signal_handlers();
  return {true, {}, port};
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
  Server* server = g_server;
  g_server = nullptr;
  delete server;  // joins the threads: only then may another copy start
  if (server != nullptr) release_process();
}

}  // namespace gops::agent
