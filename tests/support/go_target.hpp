// A Go program run for the agentless tests: its stdout and stderr in
// files (stderr holds the runtime's own dump after SIGQUIT), its stdin a
// pipe the test holds open (esbuild waits on it), killed and reaped on
// destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace gops::test {

class GoTarget {
 public:
  // Starts argv with env added; waits until stdout has `ready_text` (if
  // not empty) and the process has `min_threads` threads.
  static GoTarget start(const std::vector<std::string>& argv, const Env& env = {},
                        const std::string& ready_text = "ready ", std::size_t min_threads = 2);
  GoTarget(GoTarget&& other) noexcept;
  GoTarget& operator=(GoTarget&&) = delete;
  ~GoTarget();

  pid_t pid() const { return pid_; }
  std::string pid_text() const { return std::to_string(pid_); }
  bool started() const { return started_; }
  std::string out() const;
  std::string err() const;

  // Sends SIGQUIT, waits for the runtime's dump and the exit, returns
  // stderr (the dump).
  std::string sigquit_dump();
  void kill(int sig = 9);
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  GoTarget() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string out_path_, err_path_;
  bool started_ = false;
  bool reaped_ = false;
};

// The /proc state letters of every thread of pid ("SSRt...").
std::string thread_states_of(pid_t pid);

// The goroutines test program (tests/go/goroutines) of one build.
std::string goroutines_binary(const std::string& variant);  // "", "stripped", "pie", "go1.27", ...
// The releases it is also built with (scripts/fetch-go-toolchains.sh).
std::vector<std::string> toolchain_releases();

// A real Go binary from the corpus cache (scripts/fetch-go-corpus.sh).
struct CorpusBinary {
  std::string name, path, go_version, form;
};
std::vector<CorpusBinary> running_corpus();
inline void PrintTo(const CorpusBinary& b, std::ostream* os) { *os << b.name << " (" << b.go_version << ")"; }

}  // namespace gops::test
