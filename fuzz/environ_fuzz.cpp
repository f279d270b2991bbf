// /proc/PID/environ of any process (client/process_env.hpp): the CLI reads
// it to find the config dir that process's agent would use. Whatever the
// block, the lookup answers, and the dir found is one of its values (plus
// a fixed suffix).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/process_env.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view block(reinterpret_cast<const char*>(data), size);
  auto env = gops::client::parse_environ(block);
  for (const char* name : {"GOPS_CONFIG_DIR", "XDG_CONFIG_HOME", "HOME", "", "=", "A"}) {
    auto value = env(name);
    if (value && block.find(*value) == std::string_view::npos) __builtin_trap();
    if (value && value->find('\0') != std::string::npos) __builtin_trap();
  }
  auto dir = gops::protocol::config_dir(env);
  if (dir.ok() && dir->empty()) __builtin_trap();
  return 0;
}
