// The paths of the agent's HTTP endpoint, as a Go program serves them with
// net/http/pprof and client_golang's promhttp:
//
//   /debug/pprof/                  the index page
//   /debug/pprof/profile?seconds=N a CPU profile (30 s by default)
//   /debug/pprof/heap, /allocs     the heap sampler's profile (gc=1 trims first)
//   /debug/pprof/goroutine?debug=  the threads: 0 pprof, 1 counts, 2 the stack dump
//   /debug/pprof/threadcreate      the threads by where they began
//   /debug/pprof/cmdline, /symbol  as Go's (symbol: GET and POST)
//   /debug/pprof/trace?seconds=N   our trace (Trace Event JSON, not Go's format)
//   /metrics                       Prometheus' text exposition
//
// `seconds=N` on the named profiles gives a delta over N seconds, as Go's.
// Unknown paths: 404; methods other than GET and HEAD (and POST on
// /symbol): 405. Each route is a function from the request to a response,
// built from the commands' own functions. Not async-signal-safe.
#pragma once

#include "agent/commands/commands.hpp"
#include "agent/http/request_parser.hpp"
#include "agent/http/response.hpp"

namespace gops::agent::http {

Response route(const Request& request, const CommandContext& context);

// Whether answering may take a while (a profile, a trace, a stack capture,
// a delta's wait) rather than a few milliseconds (/metrics, the index,
// cmdline, 404s): the server keeps a worker for the quick ones.
bool is_costly(const Request& request);

}  // namespace gops::agent::http
