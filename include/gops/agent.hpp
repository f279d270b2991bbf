// gops agent for C++ programs: lets the gops CLI (ours, and the original Go
// one) diagnose this process over the gops wire protocol, as the Go agent
// (github.com/google/gops/agent) does for a Go program.
//
//   #include <gops/agent.hpp>
//   int main() {
//     gops::agent::Options options;
//     options.program_version = "myprog 1.2.3";
//     if (auto r = gops::agent::listen(options); !r.ok) std::fprintf(stderr, "gops: %s\n", r.error.c_str());
//     ...
//   }
//
// The agent runs on its own threads, never throws into the host and never
// lets a signal of its own reach the host's handlers. Stack dumps interrupt
// each thread briefly with one real-time signal the host does not use; a
// blocking call that the kernel does not restart (poll, nanosleep, ...) can
// see EINTR then, as with any profiler.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// The host's toolchain, captured where this header is compiled (the host's
// code), not where the agent library was built.
#define GOPS_AGENT_STR2_(x) #x
#define GOPS_AGENT_STR_(x) GOPS_AGENT_STR2_(x)
#if defined(__clang__)
#define GOPS_AGENT_COMPILER_                                                                  \
  "clang " GOPS_AGENT_STR_(__clang_major__) "." GOPS_AGENT_STR_(__clang_minor__) "." GOPS_AGENT_STR_( \
      __clang_patchlevel__)
#elif defined(__GNUC__)
#define GOPS_AGENT_COMPILER_ "GCC " __VERSION__
#else
#define GOPS_AGENT_COMPILER_ "unknown compiler"
#endif
#if defined(_LIBCPP_VERSION)
#define GOPS_AGENT_STDLIB_ "libc++ " GOPS_AGENT_STR_(_LIBCPP_VERSION)
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE)
#define GOPS_AGENT_STDLIB_ "libstdc++ " GOPS_AGENT_STR_(_GLIBCXX_RELEASE) " (" GOPS_AGENT_STR_(__GLIBCXX__) ")"
#else
#define GOPS_AGENT_STDLIB_ "unknown C++ standard library"
#endif

// The library is built with hidden visibility; only this API is exported
// (matters when the host is a shared object).
#define GOPS_AGENT_API __attribute__((visibility("default")))

namespace gops::agent {

// Who may use the agent.
enum class Access {
  // Loopback clients whose socket belongs to this process's user or to
  // root; others are closed unanswered and counted as refused.
  kSameUserOrRoot,
  // Anyone who can reach the address (for a trusted network only).
  kAnyone,
};

struct Options {
  // Where to listen, "host:port"; IPv6 as "[::1]:0". Port 0: kernel-chosen.
  std::string address = "127.0.0.1:0";
  // An HTTP endpoint as a Go program's net/http/pprof and Prometheus
  // client serve them (/debug/pprof/..., /metrics), "host:port"; empty:
  // $GOPS_HTTP_ADDRESS, and none when that is empty too. Same rules as the
  // gops port: who may connect, deadlines, bounds.
  std::string http_address;
  // A non-loopback address (of either) is refused unless this is set; it
  // also lets clients from other hosts in.
  bool allow_non_loopback = false;
  // Where the port file goes; empty: $GOPS_CONFIG_DIR, else
  // $XDG_CONFIG_HOME/gops, else $HOME/.config/gops.
  std::string config_dir;
  // Remove the port file on SIGINT/SIGTERM/SIGQUIT, then hand the signal to
  // the handler installed before (or re-raise it with the default action).
  bool shutdown_cleanup = false;
  // SO_REUSEADDR and SO_REUSEPORT on the listening socket.
  bool reuse_socket_addr_and_port = false;
  // The program's own version, shown by `gops version`.
  std::string program_version;
  Access access = Access::kSameUserOrRoot;
  // Commands run at the same time (worker threads); more wait their turn.
  // With 2 or more, one worker is kept for the quick commands (stats,
  // version, memstats, setgc, the binary), so that stack dumps, heap
  // profiles and gc cannot hold them all. Replies are written by the
  // agent's own poll loop, so a client that does not read holds no worker.
  int max_concurrent = 4;
  // A client must send its command within read_timeout, and each write of
  // its reply must make progress within write_timeout, or it is dropped.
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{30000};

  // Filled in from the host's compilation; leave as is.
  std::string host_compiler = GOPS_AGENT_COMPILER_;
  std::string host_stdlib = GOPS_AGENT_STDLIB_;
  long host_cplusplus = __cplusplus;
};

// The longest CPU profile and trace a client may ask for (our CLI's
// --seconds; the Go client always asks for 30 s and 5 s); longer requests
// are refused with one line. Either also ends at once when its client
// hangs up (the agent watches the connection while it records) and on
// close().
inline constexpr std::chrono::hours kMaxCpuProfileDuration{1};
inline constexpr std::chrono::minutes kMaxTraceDuration{10};

struct ListenResult {
  bool ok = false;
  std::string error;       // one line, when !ok
  std::uint16_t port = 0;  // the bound port, when ok
  std::uint16_t http_port = 0;  // the HTTP endpoint's bound port, when there is one
  // One line when the agent serves but something is amiss: no port file
  // could be written (no home dir, a read-only or foreign dir), so
  // `gops PID` cannot find it and clients must name the address.
  std::string warning;
};

// Starts the agent. Once per process: a second call (before close()) fails,
// and so does a call in a program into which libgops_agent.so was
// preloaded (that agent already runs).
GOPS_AGENT_API ListenResult listen(const Options& options = Options{}) noexcept;

// Stops the listener, drops connections, removes the port file and joins
// the agent's threads. Safe to call when not listening.
GOPS_AGENT_API void close() noexcept;

}  // namespace gops::agent
