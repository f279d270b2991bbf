#include "client/process_env.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "common/errno_text.hpp"
#include "common/read_file.hpp"
#include "common/unique_fd.hpp"

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
  // The environment block is bounded by the kernel's ARG_MAX limits; cap
  // it anyway so a /proc oddity cannot grow memory without end.
  constexpr std::size_t kMax = 8u << 20;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error{"open " + path + ": " + errno_text(errno)};
  std::string block;
  if (int err = read_all(fd.get(), block, kMax); err != 0) return Error{"read " + path + ": " + errno_text(err)};
  return parse_environ(block);
}

}  // namespace gops::client
