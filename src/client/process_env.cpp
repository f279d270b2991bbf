#include "client/process_env.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "common/errno_text.hpp"

namespace gops::client {

protocol::EnvLookup parse_environ(std::string_view block) {
  auto vars = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  while (!block.empty()) {
    auto end = block.find('\0');
    std::string_view entry = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 1);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    vars->emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars->find(name);
    if (it == vars->end()) return std::nullopt;
    return it->second;
  };
}

Result<protocol::EnvLookup> process_environment(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/environ";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"open " + path + ": " + errno_text(errno)};
  // The environment block is bounded by the kernel's ARG_MAX limits; cap
  // it anyway so a /proc oddity cannot grow memory without end.
  constexpr std::size_t kMax = 8u << 20;
  std::string block;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{"read " + path + ": " + errno_text(err)};
    }
    if (n == 0 || block.size() + static_cast<std::size_t>(n) > kMax) break;
    block.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return parse_environ(block);
}

}  // namespace gops::client
