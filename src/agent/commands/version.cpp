// version (0x04) and describe (0x40, ours): the host's toolchain, as the
// host's compilation of <gops/agent.hpp> recorded it.
#include <gnu/libc-version.h>

#include <cstdio>

#include "agent/commands/commands.hpp"
#include "agent/commands/json_text.hpp"

namespace gops::agent {
namespace {

std::string standard_name(long cplusplus) {
  if (cplusplus <= 0) return "unknown";
  if (cplusplus > 202302L) return "C++26 (draft)";
  if (cplusplus > 202002L) return "C++23";
  if (cplusplus > 201703L) return "C++20";
  if (cplusplus > 201402L) return "C++17";
  if (cplusplus > 201103L) return "C++14";
  if (cplusplus > 199711L) return "C++11";
  return "C++98";
}

}  // namespace

std::string version_reply(const Options& options) {
  std::string out = "compiler: " + options.host_compiler + "\n";
  out += "C++ standard library: " + options.host_stdlib + "\n";
  out += "C++ standard: " + standard_name(options.host_cplusplus) + " (__cplusplus " +
         std::to_string(options.host_cplusplus) + ")\n";
  out += std::string("C library: glibc ") + ::gnu_get_libc_version() + "\n";
  if (!options.program_version.empty()) out += "program: " + options.program_version + "\n";
  return out;
}

std::string describe_reply(const Options& options) {
  std::string out = "{\"agent\":\"gops-cpp\",\"version\":" + json_string(GOPS_VERSION);
  out += ",\"toolchain\":" + json_string(options.host_compiler);
  out += ",\"program_version\":" + json_string(options.program_version);
  out += ",\"commands\":[";
  for (protocol::Command c : protocol::kAllCommands) {
    if (c != protocol::kAllCommands[0]) out += ',';
    out += json_string(std::string(protocol::command_name(c)));
  }
  out += "]}\n";
  return out;
}

}  // namespace gops::agent
