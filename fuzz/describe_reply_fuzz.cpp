// The describe reply (0x40) the CLI parses before it sends an extension
// byte: JSON from whatever listens at the address. Any bytes must give a
// description or a one-line error, never an exception or a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/agent_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view reply(reinterpret_cast<const char*>(data), size);
  auto d = gops::client::parse_description(reply);
  if (d.ok()) {
    for (auto c : d->commands)
      if (!gops::protocol::command_from_byte(gops::protocol::byte_of(c))) __builtin_trap();
    (void)d->supports(gops::protocol::Command::kCpuProfileFor);
  } else if (d.message().find('\n') != std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
