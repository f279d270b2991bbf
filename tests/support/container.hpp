// A program run in a container of its own, from the host: the shape of a
// real container made with util-linux's unshare(1) --pid --net --mount
// --fork --mount-proc, loopback up, and the given dirs on tmpfs mounts only
// the container sees (HOME among them). The program is the container's
// PID 1. Killed with the container on destruction (--kill-child).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace gops::test {

struct ContainerSpec {
  std::vector<std::string> argv;  // the program and its arguments
  Env env;                        // added to the program's environment
  std::vector<std::string> tmpfs;  // dirs (they must exist) mounted as tmpfs inside
  // Symlinks made inside once the tmpfs mounts are there: path -> target.
  std::vector<std::pair<std::string, std::string>> symlinks;
  // Rootless: also a user namespace, made by uid 65534 mapping itself to
  // the container's root (the shape of a rootless podman container).
  bool rootless = false;
};

class Container {
 public:
  // Starts it and waits until the program runs (not until it is ready:
  // wait_for_output for that). Throws if it does not start.
  explicit Container(const ContainerSpec& spec);

  pid_t host_pid() const { return host_pid_; }  // the program, as the host numbers it
  std::string host_pid_text() const { return std::to_string(host_pid_); }
  std::string output() const { return unshare_.output(); }
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = 30s) const {
    return unshare_.wait_for_output(text, timeout);
  }

  // Whether containers can be made here (root, unshare(1), nsenter(1),
  // ip(8), setpriv(1)); the reason if not, for GTEST_SKIP.
  static std::string unavailable(bool rootless = false);

 private:
  Child unshare_;
  pid_t host_pid_ = -1;
};

}  // namespace gops::test
