// libgops_agent.so: the agent for a program that was built without it.
//
//   LD_PRELOAD=/usr/lib/libgops_agent.so prog    (the .deb's path; /usr/local/lib after cmake --install)
//
// A constructor starts the agent before the program's main(), configured
// by the environment:
//   GOPS_AGENT=0 (or off, false, no)  do not start
//   GOPS_AGENT_ADDRESS                the gops port's address (default 127.0.0.1:0)
//   GOPS_HTTP_ADDRESS                 the HTTP endpoint's (read by listen(); none if unset)
//   GOPS_CONFIG_DIR                   where the port file goes (read by listen())
//   GOPS_AGENT_ALLOW_NON_LOOPBACK=1   let non-loopback addresses and clients in
//   GOPS_AGENT_ACCESS=anyone          serve other users' clients too
// The agent is the linked one, with the same fork and exit behaviour: a
// fork() child has no agent, the port file goes at exit, no signal handler
// is installed for the program's own signals. If the program links the
// agent too, the first to start owns the process (agent.cpp) and the other
// says so. A failure is one line on stderr; the program runs on.
#include <gops/agent.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

bool env_is(const char* name, std::initializer_list<const char*> values) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  for (const char* candidate : values)
    if (::strcasecmp(v, candidate) == 0) return true;
  return false;
}

__attribute__((constructor)) void start_preloaded_agent() {
  if (env_is("GOPS_AGENT", {"0", "off", "false", "no"})) return;
  gops::agent::Options options;
  if (const char* address = std::getenv("GOPS_AGENT_ADDRESS"); address != nullptr && *address != '\0')
    options.address = address;
  options.allow_non_loopback = env_is("GOPS_AGENT_ALLOW_NON_LOOPBACK", {"1", "on", "true", "yes"});
  if (env_is("GOPS_AGENT_ACCESS", {"anyone"})) options.access = gops::agent::Access::kAnyone;
  // What compiled the program is not known here (the header's macros saw
  // this library's build, not the program's).
  options.host_compiler = "unknown (the agent was preloaded)";
  options.host_stdlib = "unknown (the agent was preloaded)";
  options.host_cplusplus = 0;
  gops::agent::ListenResult r = gops::agent::listen(options);
  if (r.ok) return;
  // The library's words name the option; here the environment sets it.
  std::string error = r.error;
  constexpr std::string_view kOption = "set Options::allow_non_loopback";
  if (auto at = error.find(kOption); at != std::string::npos)
    error.replace(at, kOption.size(), "set GOPS_AGENT_ALLOW_NON_LOOPBACK=1");
  std::fprintf(stderr, "gops agent (preloaded): %s\n", error.c_str());
}

}  // namespace
