// The Go test agent (tests/peers/go/agentpeer) as a running child process with
// its own config dir, and the gops CLI run against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace gops::test {

class AgentPeer {
 public:
  // Starts agentpeer with GOPS_CONFIG_DIR set to a fresh dir (unless `env`
  // says otherwise) and waits for its "ready PORT" line.
  explicit AgentPeer(Env env = {});

  pid_t pid() const { return child_.pid(); }
  std::uint16_t port() const { return port_; }
  const std::string& config_dir() const { return config_.path(); }
  std::string pid_text() const { return std::to_string(pid()); }

 private:
  TempDir config_;
  Child child_;
  std::uint16_t port_ = 0;
};

// Runs the gops binary with `env` added to the environment.
RunResult gops(const std::vector<std::string>& args, const Env& env = {},
               std::chrono::milliseconds timeout = 120s);

// Runs the Go toolchain (`go tool pprof -top FILE`, ...).
RunResult go(const std::vector<std::string>& args);

}  // namespace gops::test
