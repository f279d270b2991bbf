// A recorded trace as Trace Event JSON (the format Perfetto and
// chrome://tracing open): per thread, its on-CPU, runnable and off-CPU
// intervals as
// complete ("X") events, and inside each the stack it was sampled in, one
// nested event per frame, merged across consecutive samples into a flame
// chart. Thread and process names as metadata ("M") events; the agent's own
// work as events on its thread. Not async-signal-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/capture/trace_sampler.hpp"

namespace gops::agent {

struct TraceFrameName {
  std::string function;
  std::string location;  // "file:line", or empty
};

// The frames at one address, outermost first (a function, then what was
// inlined into it at that address). `is_return_address`: look up pc - 1.
using TraceSymbolizer = std::function<std::vector<TraceFrameName>(std::uintptr_t pc, bool is_return_address)>;

struct TraceMeta {
  pid_t pid = 0;
  std::string process_name;
  pid_t agent_tid = 0;           // the agent thread that traced
  std::int64_t start_ns = 0;     // CLOCK_MONOTONIC: sampling started
  std::int64_t stop_ns = 0;      // sampling stopped
  std::int64_t written_ns = 0;   // the trace was symbolized and written
  int hz = 0;
  std::size_t untraced_threads = 0;
};

// Each interval between two samples of a thread is "on-CPU", "runnable"
// (waiting for a CPU) or "off-CPU" (sleeping, blocked), by what took most
// of it.
std::string trace_event_json(const std::vector<TracedThread>& threads, const TraceMeta& meta,
                             const TraceSymbolizer& symbolize);

}  // namespace gops::agent
