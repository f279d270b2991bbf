// One function per path of the HTTP endpoint (routes.hpp dispatches).
#pragma once

#include <string_view>

#include "agent/commands/commands.hpp"
#include "agent/http/request_parser.hpp"
#include "agent/http/response.hpp"

namespace gops::agent::http {

Response pprof_index();
Response pprof_cmdline();
Response pprof_profile(const Request& request, const CommandContext& context);
Response pprof_trace(const Request& request, const CommandContext& context);
Response pprof_symbol(const Request& request);
// goroutine, threadcreate, heap, allocs; "Unknown profile" for the rest.
Response pprof_named(std::string_view name, const Request& request, const CommandContext& context);
Response metrics(const Request& request, const CommandContext& context);

// The names pprof_named serves.
bool is_named_profile(std::string_view name);

}  // namespace gops::agent::http
