#include "protocol/port_file.hpp"

#include <charconv>
#include <cstdlib>

namespace gops::protocol {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> config_dir(const EnvLookup& env) {
  auto nonempty = [&](std::string_view name) {
    auto v = env(name);
    return v && !v->empty() ? v : std::nullopt;
  };
  if (auto d = nonempty("GOPS_CONFIG_DIR")) return *d;
  if (auto d = nonempty("XDG_CONFIG_HOME")) return *d + "/gops";
  if (auto d = nonempty("HOME")) return *d + "/.config/gops";
  return Error{"neither $XDG_CONFIG_HOME nor $HOME are defined"};
}

std::string port_file_path(std::string_view dir, int pid) {
  std::string path(dir);
  path += '/';
  path += std::to_string(pid);
  return path;
}

Result<std::uint16_t> parse_port(std::string_view contents) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  auto first = contents.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return Error{"port file is empty"};
  auto last = contents.find_last_not_of(kSpace);
  std::string_view digits = contents.substr(first, last - first + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) {
    std::string shown(digits.substr(0, 32));
    return Error{"port file holds no port number: \"" + shown + "\""};
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace gops::protocol
