#include "protocol/port_file.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace gops::protocol {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::string> home_dir_of(uid_t uid) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  for (int attempt = 0; attempt < 4; ++attempt) {
    passwd entry{};
    passwd* found = nullptr;
    int rc = ::getpwuid_r(uid, &entry, buf.data(), buf.size(), &found);
    if (rc == ERANGE) {
      buf.resize(buf.size() * 4);
      continue;
    }
    if (rc != 0 || found == nullptr || found->pw_dir == nullptr || found->pw_dir[0] == '\0') return std::nullopt;
    return std::string(found->pw_dir);
  }
  return std::nullopt;
}

Result<std::string> config_dir(const EnvLookup& env, std::optional<uid_t> user) {
  auto nonempty = [&](std::string_view name) {
    auto v = env(name);
    return v && !v->empty() ? v : std::nullopt;
  };
  if (auto d = nonempty("GOPS_CONFIG_DIR")) return *d;
  if (auto d = nonempty("XDG_CONFIG_HOME")) return *d + "/gops";
  if (auto d = nonempty("HOME")) return *d + "/.config/gops";
  if (user)
    if (auto home = home_dir_of(*user)) return *home + "/.config/gops";
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
