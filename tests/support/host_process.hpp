// agent_host (a real C++ program with the agent linked in) as a child
// process that a test steers through a FIFO.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace gops::test {

std::string agent_host_path();

class HostProcess {
 public:
  // `launcher`: a command that ends by exec'ing the program it is given
  // after its own arguments (unshare, sh -c '... exec "$0" "$@"').
  explicit HostProcess(const std::vector<std::string>& args = {}, const Env& env = {},
                       const std::vector<std::string>& launcher = {});
  // Sends one command line and waits for its "done" line.
  bool command(const std::string& line);
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }
  Child& child() { return child_; }
  std::string port_file() const;
  const std::string& config_dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string fifo_;
  Child child_;
  std::uint16_t port_ = 0;
};

}  // namespace gops::test
