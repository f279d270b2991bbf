// The public entry points: listen() and close(), and what ties the agent's
// life to the process's (fork, exit).
#include <gops/agent.hpp>

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "common/errno_text.hpp"
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

// The mark `gops` finds in the section headers of a program that links the
// agent (protocol/agent_marker.hpp). listen() refers to it, so the linker
// keeps it wherever listen() is kept, --gc-sections or not.
[[gnu::section("gops_agent"), gnu::used]] constinit const char kAgentMarker[] = "gops C++ agent";

std::string failed(const std::string& what) { return what + ": " + errno_text(errno); }

// A listening socket on `address_text` ("host:port"), registered.
Result<int> open_listener(const std::string& address_text, const Options& options) {
  auto address = parse_address(address_text);
  if (!address) return address.error();
  if (!address->is_loopback() && !options.allow_non_loopback)
    return Error{"agent address " + address_text +
                 " is not loopback; set Options::allow_non_loopback to listen there"};
  int fd = ::socket(address->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{failed("socket")};
  int on = 1;
  bool ok = true;
  if (options.reuse_socket_addr_and_port) {
    ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0;
  }
  std::string what = "listen on " + address_text;
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

ListenResult failure(std::string message) {
  ListenResult r;
  r.error = std::move(message);
  return r;
}

// The HTTP endpoint's address: the option, else $GOPS_HTTP_ADDRESS; empty: none.
std::string http_address(const Options& options) {
  if (!options.http_address.empty()) return options.http_address;
  const char* env = std::getenv("GOPS_HTTP_ADDRESS");
  return env != nullptr ? env : "";
}

ListenResult listen_claimed(const Options& options) {
  auto fd = open_listener(options.address, options);
  if (!fd) return failure(fd.message());
  int http_fd = -1;
  if (std::string address = http_address(options); !address.empty()) {
    auto opened = open_listener(address, options);
    if (!opened) {
      fd_registry::close_fd(*fd);
      return failure("HTTP endpoint: " + opened.message());
    }
    http_fd = *opened;
  }
  ListenResult result;
  result.port = bound_port(*fd);
  if (http_fd >= 0) result.http_port = bound_port(http_fd);
  // No dir, or no way to write there, is no reason not to serve: clients
  // can name the address. The warning says so.
  std::string warning;
  std::string dir = options.config_dir;
  if (dir.empty()) {
    auto found = protocol::config_dir(protocol::process_env(), ::geteuid());
    if (found) dir = *found;
    else warning = found.message();
  }
  if (!dir.empty()) warning = publish_port_file(dir, result.port);
  if (!warning.empty())
    result.warning = "no port file (" + warning + "): `gops PID` will not find this agent; name it as " +
                     options.address.substr(0, options.address.rfind(':')) + ":" + std::to_string(result.port);
  auto server = Server::start(options, *fd, http_fd);
  if (!server) {
    remove_port_file();
    return failure(server.message());
  }
  g_server = server->release();
  remove_port_file_at_exit();
  if (options.shutdown_cleanup) install_cleanup_signal_handlers();
  result.ok = true;
  return result;
}

ListenResult listen_locked(const Options& options) {
  asm volatile("" : : "r"(kAgentMarker));  // a reference, for the linker
  if (g_server != nullptr) return failure("gops agent already listening (call gops::agent::close() first)");
  if (!claim_process())
    return failure("a gops agent already runs in this process (libgops_agent.so preloaded, or another copy)");
  ListenResult result = listen_claimed(options);
  if (!result.ok) release_process();
  return result;
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
