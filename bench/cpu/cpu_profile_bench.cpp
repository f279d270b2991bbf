// The workload of the CPU profiler benchmark: THREADS threads run a
// CPU-bound unit of work (workload.hpp: a 12-deep call chain, integer
// mixing, a small sort) for SECONDS, each counting units and its own CPU
// time. The cost of a profiler shows as CPU time per unit: its signal
// handlers run on (and are charged to) the interrupted worker threads; the
// process's CPU time per unit adds what its other threads cost.
//
//   cpu_profile_bench none|gops [THREADS] [SECONDS]
//   cpu_profile_bench_gperftools none|gperftools [THREADS] [SECONDS]
//
// Two binaries: linking gperftools' libprofiler installs its SIGPROF
// handler at start-up, and our agent then (rightly) refuses to profile.
// gops: our agent in this process, asked over its socket for a profile
// (0x41) a little longer than the run; the workers start once its SIGPROF
// handler is in. gperftools: ProfilerStart() (what CPUPROFILE=FILE does at
// start-up) at its default 100 Hz. Prints one line of key=value.
#include <gops/agent.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "protocol/varint.hpp"
#include "workload.hpp"

#ifdef GOPS_BENCH_GPERFTOOLS
#include <gperftools/profiler.h>
#endif

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_measuring{false};
constexpr useconds_t kWarmupMicros = 300 * 1000;

using gops::bench::unit_of_work;

double thread_cpu_seconds() { return static_cast<double>(gops::bench::thread_cpu_ns()) / 1e9; }

// The whole process's CPU time: the workers and every other thread (our
// agent's, which drains the samples and looks for new threads).
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct WorkerResult {
  std::uint64_t units = 0;
  double cpu_seconds = 0;
  std::uint64_t sink = 0;
};

// Counts from when g_measuring is set: by then every worker has its CPU
// timer (our profiler arms timers for new threads every 100 ms).
void worker(WorkerResult& out, std::uint64_t seed) {
  double start = -1;
  std::uint64_t units = 0, start_units = 0, sink = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    if (start < 0 && g_measuring.load(std::memory_order_relaxed)) {
      start = thread_cpu_seconds();
      start_units = units;
    }
    for (int i = 0; i < 64; ++i) sink += unit_of_work(seed + units++);
  }
  out.cpu_seconds = start < 0 ? 0 : thread_cpu_seconds() - start;
  out.units = units - start_units;
  out.sink = sink;
}

// Asks our own agent for a CPU profile (0x41) or a trace (0x42) of `ms` and
// reads it to the end.
std::size_t fetch_own_profile(std::uint16_t port, char command, std::uint64_t ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return 0;
  }
  auto v = gops::protocol::put_uvarint(ms);
  auto bytes = v.view();
  std::string request = command + std::string(bytes.begin(), bytes.end());
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return 0;
  }
  std::string reply;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (reply.rfind(command == '\x42' ? "{" : "\x1f\x8b", 0) != 0) {
    std::fprintf(stderr, "cpu_profile_bench: no profile: %s", reply.c_str());
    return 0;
  }
  if (const char* keep = std::getenv("BENCH_PROFILE_OUT")) {  // to look at with go tool pprof
    if (FILE* f = std::fopen(keep, "wb")) {
      std::fwrite(reply.data(), 1, reply.size(), f);
      std::fclose(f);
    }
  }
  return reply.size();
}

bool sigprof_handled() {
  struct sigaction now{};
  ::sigaction(SIGPROF, nullptr, &now);
  return (now.sa_flags & SA_SIGINFO) || now.sa_handler != SIG_DFL;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "none";
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  double seconds = argc > 3 ? std::atof(argv[3]) : 3;
#ifdef GOPS_BENCH_GPERFTOOLS
  const char* profiled = "gperftools";
#else
  const char* profiled = "gops";
#endif
  bool tracing = mode == "gops-trace" && std::string(profiled) == "gops";
  if (threads < 1 || seconds <= 0 || (mode != "none" && mode != profiled && !tracing)) {
    std::fprintf(stderr, "usage: %s none|%s%s [THREADS] [SECONDS]\n", argv[0], profiled,
                 std::string(profiled) == "gops" ? "|gops-trace" : "");
    return 2;
  }

  std::thread profile_reader;
  std::size_t profile_bytes = 0;
  std::string gperf_file = "/tmp/cpu_profile_bench." + std::to_string(::getpid()) + ".prof";
  if (mode == "gops" || tracing) {
    auto r = gops::agent::listen();
    if (!r.ok) {
      std::fprintf(stderr, "cpu_profile_bench: %s\n", r.error.c_str());
      return 1;
    }
    auto ms = static_cast<std::uint64_t>(seconds * 1000) + kWarmupMicros / 1000 + 300;
    char command = tracing ? '\x42' : '\x41';
    profile_reader = std::thread([&, port = r.port, ms, command] { profile_bytes = fetch_own_profile(port, command, ms); });
    // A trace's timers are armed at once (the warm-up covers it); a CPU
    // profile's handler is waited for.
    for (int i = 0; i < 5000 && !tracing && !sigprof_handled(); ++i) ::usleep(1000);
    if (!tracing && !sigprof_handled()) {
      std::fprintf(stderr, "cpu_profile_bench: the agent's profiler did not start\n");
      return 1;
    }
  } else if (mode == "gperftools") {
#ifdef GOPS_BENCH_GPERFTOOLS
    if (!ProfilerStart(gperf_file.c_str())) {
      std::fprintf(stderr, "cpu_profile_bench: ProfilerStart failed\n");
      return 1;
    }
#else
    std::fprintf(stderr, "cpu_profile_bench: built without gperftools (libgoogle-perftools-dev)\n");
    return 1;
#endif
  }

  std::vector<WorkerResult> results(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back(worker, std::ref(results[static_cast<std::size_t>(i)]), 1000003ull * static_cast<std::uint64_t>(i));
  // sleep_for sleeps the whole time even when a sampling signal interrupts
  // it (usleep would return early with EINTR under the tracer's timers).
  std::this_thread::sleep_for(std::chrono::microseconds(kWarmupMicros));
  double process_start = process_cpu_seconds();
  g_measuring = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  g_stop = true;
  double process_cpu = process_cpu_seconds() - process_start;
  for (auto& w : workers) w.join();

#ifdef GOPS_BENCH_GPERFTOOLS
  if (mode == "gperftools") {
    ProfilerStop();
    if (FILE* f = std::fopen(gperf_file.c_str(), "rb")) {
      std::fseek(f, 0, SEEK_END);
      profile_bytes = static_cast<std::size_t>(std::ftell(f));
      std::fclose(f);
    }
    std::remove(gperf_file.c_str());
  }
#endif
  if (profile_reader.joinable()) profile_reader.join();
  if ((mode == "gops" || tracing) && profile_bytes == 0) return 1;

  std::uint64_t units = 0, sink = 0;
  double cpu = 0;
  for (const WorkerResult& r : results) {
    units += r.units;
    cpu += r.cpu_seconds;
    sink ^= r.sink;
  }
  std::printf(
      "mode=%s threads=%d seconds=%.2f units=%llu worker_cpu_s=%.3f ns_per_unit=%.2f process_ns_per_unit=%.2f "
      "profile_bytes=%zu sink=%llu\n",
      mode.c_str(), threads, seconds, static_cast<unsigned long long>(units), cpu,
      units ? cpu * 1e9 / static_cast<double>(units) : 0.0,
      units ? process_cpu * 1e9 / static_cast<double>(units) : 0.0, profile_bytes,
      static_cast<unsigned long long>(sink & 0xff));
  return 0;
}
