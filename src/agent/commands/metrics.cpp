// /metrics: Prometheus' text exposition of this process. First the names
// client_golang's process collector uses (so dashboards and alerts made
// for Go programs work unchanged), then the C++ program's own under
// "cpp_", as a Go program's runtime figures are under "go_": threads, the
// allocator's figures as memstats reports them, the heap sampler's
// counters, the agent's connections, and cpp_info with the toolchain.
#include <gnu/libc-version.h>

#include <cctype>

#include "agent/commands/commands.hpp"
#include "agent/commands/prometheus_text.hpp"
#include "agent/host/allocator.hpp"
#include "agent/host/heap_sampler_link.hpp"
#include "agent/host/process_stats.hpp"

namespace gops::agent {
namespace {

using Type = PrometheusText::Type;

void add_process_metrics(PrometheusText& m) {
  std::optional<ProcessStats> p = read_process_stats();
  if (!p) return;
  m.add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", Type::kCounter,
        p->cpu_seconds);
  m.add("process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::kGauge,
        static_cast<double>(p->virtual_bytes));
  m.add("process_resident_memory_bytes", "Resident memory size in bytes.", Type::kGauge,
        static_cast<double>(p->resident_bytes));
  m.add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", Type::kGauge,
        p->start_time_seconds);
  if (p->open_fds >= 0)
    m.add("process_open_fds", "Number of open file descriptors.", Type::kGauge, p->open_fds);
  m.add("process_max_fds", "Maximum number of open file descriptors.", Type::kGauge, p->max_fds);
  m.add("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", Type::kGauge,
        p->max_virtual_bytes);
  if (p->network_receive_bytes)
    m.add("process_network_receive_bytes_total", "Number of bytes received by the process over the network.",
          Type::kCounter, static_cast<double>(*p->network_receive_bytes));
  if (p->network_transmit_bytes)
    m.add("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.",
          Type::kCounter, static_cast<double>(*p->network_transmit_bytes));
  m.add("cpp_threads", "Number of OS threads in the process.", Type::kGauge, p->threads);
}

// "heap-in-use" -> "heap_in_use"; jemalloc's "stats.allocated" -> "allocated".
std::string metric_part(std::string key) {
  if (key.starts_with("stats.")) key.erase(0, 6);
  for (char& c : key) c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return key;
}

void add_allocator_metrics(PrometheusText& m, const AllocatorStats& stats) {
  for (const auto& [key, value] : stats.bytes)
    m.add("cpp_memstats_" + metric_part(key) + "_bytes",
          stats.name + "'s " + key + " in bytes, as gops memstats shows it.", Type::kGauge,
          static_cast<double>(value));
  for (const auto& [key, value] : stats.counts)
    m.add("cpp_memstats_" + metric_part(key), stats.name + "'s " + key + ", as gops memstats shows it.",
          Type::kGauge, static_cast<double>(value));
}

void add_heap_sampler_metrics(PrometheusText& m) {
  std::optional<HeapSampler> sampler = find_heap_sampler();
  if (!sampler) return;
  gops_heap_sampler_counts totals{};
  sampler->total_counts(&totals);
  gops_heap_sampler_status status{};
  sampler->status(&status);
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  m.add("cpp_heap_sampler_alloc_calls_total",
        "Calls to malloc, calloc, the aligned forms and operator new, each counted.", Type::kCounter,
        d(totals.alloc_calls));
  m.add("cpp_heap_sampler_free_calls_total", "Calls to free and operator delete, each counted.", Type::kCounter,
        d(totals.free_calls));
  m.add("cpp_heap_sampler_realloc_calls_total", "Calls to realloc, each counted.", Type::kCounter,
        d(totals.realloc_calls));
  m.add("cpp_heap_sampler_rate_bytes", "Mean sampling interval of the heap sampler in bytes.", Type::kGauge,
        d(status.rate));
  m.add("cpp_heap_sampler_live_samples", "Sampled allocations not freed yet.", Type::kGauge, d(status.live_samples));
  m.add("cpp_heap_sampler_dropped_samples_total", "Samples lost because a table of the heap sampler was full.",
        Type::kCounter, d(status.dropped_samples));
  m.add("cpp_heap_sampler_sites", "Distinct allocation stacks the heap sampler recorded.", Type::kGauge,
        d(status.sites));
}

}  // namespace

std::string metrics_text(const Options& options, const Counters& counters) {
  PrometheusText m;
  add_process_metrics(m);
  AllocatorStats allocator = allocator_stats();
  add_allocator_metrics(m, allocator);
  add_heap_sampler_metrics(m);
  const char* help = "Connections to the gops agent (its port and its HTTP endpoint) by how they ended.";
  m.add("cpp_agent_connections_total", help, Type::kCounter, static_cast<double>(counters.served.load()),
        {{"result", "served"}});
  m.add("cpp_agent_connections_total", help, Type::kCounter, static_cast<double>(counters.refused.load()),
        {{"result", "refused"}});
  m.add("cpp_agent_connections_total", help, Type::kCounter, static_cast<double>(counters.dropped.load()),
        {{"result", "dropped"}});
  m.add("cpp_info", "Information about the C++ program: its toolchain, C library, allocator and version.",
        Type::kGauge, 1,
        {{"compiler", options.host_compiler},
         {"stdlib", options.host_stdlib},
         {"cplusplus", std::to_string(options.host_cplusplus)},
         {"libc", std::string("glibc ") + ::gnu_get_libc_version()},
         {"allocator", allocator.name},
         {"version", options.program_version}});
  return m.text();
}

}  // namespace gops::agent
