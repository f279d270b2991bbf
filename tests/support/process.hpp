// Test support: run real programs and real processes, no mocks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gops::test {

using namespace std::chrono_literals;

// Paths baked in by CMake.
std::string gops_cli();          // the gops binary under test
std::string source_dir();        // the repository root
std::string binary_dir();        // the build tree
std::string go_bin(const std::string& name);  // a Go test program built by CMake

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

using Env = std::map<std::string, std::string>;

// Runs argv to completion with the current environment plus `env`, feeding
// no stdin; kills it after `timeout`.
RunResult run(const std::vector<std::string>& argv, const Env& env = {},
              std::chrono::milliseconds timeout = 120s);

// A real child process that is killed (SIGKILL) and reaped on destruction.
class Child {
 public:
  // Starts argv with the current environment plus `env`. Its stdout goes to
  // a file readable with output(); stderr is inherited.
  static Child spawn(const std::vector<std::string>& argv, const Env& env = {});

  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  std::string output() const;  // what it wrote to stdout so far
  // Waits until stdout contains `text`; false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = 30s) const;
  void kill(int sig = 9);
  std::optional<int> wait(std::chrono::milliseconds timeout = 30s);  // exit status

 private:
  Child(pid_t pid, std::string out_path) : pid_(pid), out_path_(std::move(out_path)) {}
  pid_t pid_ = -1;
  std::string out_path_;
  bool reaped_ = false;
};

// Polls `pred` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 30s);

// A fresh directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
// Whether process `pid` has a handler for `sig` (SigCgt of /proc/PID/status).
bool catches_signal(pid_t pid, int sig);
void write_file(const std::string& path, const std::string& contents);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace gops::test
