// What the agent's HTTP endpoint costs the program it lives in, next to
// the reference in the same run:
//
// 1. The CPU one /metrics scrape costs the host: many scrapes, the host
//    process's CPU time before and after (the sum over its threads of
//    /proc/PID/task/TID/schedstat, in ns), divided by the count. The
//    reference is a Go program serving client_golang's promhttp (process
//    and Go collectors, as any Go program does: tests/peers/go/promgo).
//    Each on one kept-alive connection and on a new connection per scrape,
//    plain and gzipped (as Prometheus asks).
// 2. A CPU profile taken over HTTP against the same over the gops port:
//    the host runs a CPU-bound workload on 2 threads; windows of W seconds
//    bare, profiled through the gops port (0x41) and through
//    /debug/pprof/profile, alternating, R rounds; per mode the work done
//    per second against the bare windows' and the process's CPU time.
//
//   http_bench PROMGO [SCRAPES] [ROUNDS] [WINDOW_SECONDS]
//
// The host is this binary forked (the agent linked, HTTP on 127.0.0.1:0).
#include <gops/agent.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../cpu/quantile.hpp"
#include "../cpu/workload.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Shared {
  std::atomic<std::uint64_t> units[2];
  std::atomic<int> run_workload;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http_bench: %s\n", what.c_str());
  std::exit(1);
}

// --- the host ---------------------------------------------------------------

[[noreturn]] void host(Shared* shared, int report_fd) {
  gops::agent::Options options;
  options.http_address = "127.0.0.1:0";
  options.config_dir = "/tmp/gops-http-bench";
  auto r = gops::agent::listen(options);
  if (!r.ok) die(r.error);
  for (int t = 0; t < 2; ++t) {
    std::thread([shared, t] {
      std::uint64_t seed = static_cast<std::uint64_t>(t) * 7919;
      for (;;) {
        if (shared->run_workload.load(std::memory_order_relaxed) == 0) {
          ::usleep(2000);
          continue;
        }
        seed = gops::bench::unit_of_work(seed);
        shared->units[t].fetch_add(1, std::memory_order_relaxed);
      }
    }).detach();
  }
  std::string ports = std::to_string(r.port) + " " + std::to_string(r.http_port) + "\n";
  [[maybe_unused]] ssize_t n = ::write(report_fd, ports.data(), ports.size());
  ::close(report_fd);
  for (;;) ::pause();
}

// --- measuring a process ----------------------------------------------------

// CPU time of every thread of `pid` (or of those whose name starts with
// `prefix`), in ns: schedstat's first field.
std::int64_t process_cpu_ns(pid_t pid, const std::string& prefix = "") {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  std::int64_t total = 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) die("cannot read " + dir);
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (!prefix.empty()) {
      std::ifstream comm(dir + "/" + e->d_name + "/comm");
      std::string name;
      if (!(comm >> name) || name.compare(0, prefix.size(), prefix) != 0) continue;
    }
    std::ifstream f(dir + "/" + e->d_name + "/schedstat");
    std::int64_t ns = 0;
    if (f >> ns) total += ns;
  }
  ::closedir(d);
  return total;
}

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One HTTP exchange on `fd`; the body's size (Content-Length or chunked).
std::size_t http_exchange(int fd, const std::string& request, std::string& buf) {
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    die("send");
  buf.clear();
  char chunk[65536];
  auto more = [&] {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) die("the server closed early");
    buf.append(chunk, static_cast<std::size_t>(n));
  };
  std::size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) more();
  std::string head = buf.substr(0, head_end);
  if (head.compare(0, 12, "HTTP/1.1 200") != 0) die("status: " + head.substr(0, head.find('\r')));
  std::size_t at = head_end + 4;
  if (auto cl = head.find("Content-Length: "); cl != std::string::npos) {
    std::size_t length = std::stoul(head.substr(cl + 16));
    while (buf.size() < at + length) more();
    return length;
  }
  // Chunked: size lines and data until the zero chunk.
  std::size_t body = 0;
  for (;;) {
    std::size_t eol;
    while ((eol = buf.find("\r\n", at)) == std::string::npos) more();
    std::size_t size = std::stoul(buf.substr(at, eol - at), nullptr, 16);
    at = eol + 2;
    while (buf.size() < at + size + 2) more();
    at += size + 2;
    body += size;
    if (size == 0) return body;
  }
}

struct ScrapeCost {
  double cpu_us = 0;   // server CPU per scrape
  double wall_us = 0;  // client-side wall time per scrape
  std::size_t bytes = 0;
};

ScrapeCost scrapes(pid_t server, std::uint16_t port, int count, bool keep_alive, bool gzip) {
  std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (gzip) request += "Accept-Encoding: gzip\r\n";
  if (!keep_alive) request += "Connection: close\r\n";
  request += "\r\n";
  std::string buf;
  ScrapeCost cost;
  int fd = keep_alive ? connect_to(port) : -1;
  auto one = [&] {
    if (!keep_alive) fd = connect_to(port);
    cost.bytes = http_exchange(fd, request, buf);
    if (!keep_alive) ::close(fd);
  };
  for (int i = 0; i < 20; ++i) one();  // warm
  std::int64_t cpu0 = process_cpu_ns(server);
  auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) one();
  auto wall = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  std::int64_t cpu1 = process_cpu_ns(server);
  if (keep_alive) ::close(fd);
  cost.cpu_us = static_cast<double>(cpu1 - cpu0) / 1000.0 / count;
  cost.wall_us = wall / count;
  return cost;
}

// A CPU profile through the gops port: 0x41, the duration in ms as a
// varint; the whole reply read.
void profile_over_gops_port(std::uint16_t port, int seconds) {
  int fd = connect_to(port);
  std::string request = "\x41";
  std::uint64_t ms = static_cast<std::uint64_t>(seconds) * 1000;
  while (ms >= 0x80) {
    request += static_cast<char>((ms & 0x7f) | 0x80);
    ms >>= 7;
  }
  request += static_cast<char>(ms);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[65536];
  std::size_t got = 0;
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got += static_cast<std::size_t>(n);
  ::close(fd);
  if (got < 100) die("no profile from the gops port");
}

void profile_over_http(std::uint16_t port, int seconds) {
  int fd = connect_to(port);
  std::string buf;
  http_exchange(fd,
                "GET /debug/pprof/profile?seconds=" + std::to_string(seconds) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                buf);
  ::close(fd);
}

std::uint16_t read_promgo_port(FILE* out) {
  char line[128];
  if (!std::fgets(line, sizeof line, out) || std::strncmp(line, "port=", 5) != 0) die("promgo did not start");
  return static_cast<std::uint16_t>(std::atoi(line + 5));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: http_bench PROMGO [SCRAPES] [ROUNDS] [WINDOW_SECONDS]");
  int count = argc > 2 ? std::atoi(argv[2]) : 2000;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  int window = argc > 4 ? std::atoi(argv[4]) : 3;

  auto* shared = static_cast<Shared*>(
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (shared) Shared{};
  int report[2];
  if (::pipe(report) != 0) die("pipe");
  pid_t host_pid = ::fork();
  if (host_pid == 0) {
    ::close(report[0]);
    host(shared, report[1]);
  }
  ::close(report[1]);
  char ports_text[64] = {};
  if (::read(report[0], ports_text, sizeof ports_text - 1) <= 0) die("the host did not start");
  unsigned gops_port = 0, http_port = 0;
  std::sscanf(ports_text, "%u %u", &gops_port, &http_port);

  int promgo_pipe[2];
  if (::pipe(promgo_pipe) != 0) die("pipe");
  pid_t promgo_pid = ::fork();
  if (promgo_pid == 0) {
    ::dup2(promgo_pipe[1], 1);
    ::close(promgo_pipe[0]);
    ::execl(argv[1], argv[1], "serve", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(promgo_pipe[1]);
  FILE* promgo_out = ::fdopen(promgo_pipe[0], "r");
  std::uint16_t promgo_port = read_promgo_port(promgo_out);

  std::printf("machine: %u CPUs, load %s", std::thread::hardware_concurrency(), [] {
    static char load[64] = "?\n";
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (!std::fgets(load, sizeof load, f)) std::strcpy(load, "?\n");
      std::fclose(f);
    }
    return load;
  }());

  // 1. Scrapes, the workload paused; rounds alternate between the servers.
  struct Cell {
    const char* name;
    pid_t pid;
    std::uint16_t port;
    bool keep_alive, gzip;
    std::vector<double> cpu, wall;
    std::size_t bytes = 0;
  };
  std::vector<Cell> cells;
  for (bool keep : {true, false})
    for (bool gz : {false, true}) {
      cells.push_back({"gops agent (C++)", host_pid, static_cast<std::uint16_t>(http_port), keep, gz, {}, {}, 0});
      cells.push_back({"client_golang (Go)", promgo_pid, promgo_port, keep, gz, {}, {}, 0});
    }
  for (int r = 0; r < rounds; ++r)
    for (Cell& c : cells) {
      ScrapeCost cost = scrapes(c.pid, c.port, count, c.keep_alive, c.gzip);
      c.cpu.push_back(cost.cpu_us);
      c.wall.push_back(cost.wall_us);
      c.bytes = cost.bytes;
    }
  std::printf("\n/metrics: server CPU per scrape (median of %d rounds of %d scrapes; q1-q3)\n\n", rounds, count);
  std::printf("| server | connection | encoding | body bytes | CPU per scrape | wall per scrape |\n");
  std::printf("|---|---|---|---:|---:|---:|\n");
  for (Cell& c : cells) {
    std::printf("| %s | %s | %s | %zu | %.1f us (%.1f-%.1f) | %.1f us |\n", c.name,
                c.keep_alive ? "kept alive" : "new each", c.gzip ? "gzip" : "plain", c.bytes,
                gops::bench::quantile(c.cpu, 0.5), gops::bench::quantile(c.cpu, 0.25),
                gops::bench::quantile(c.cpu, 0.75), gops::bench::quantile(c.wall, 0.5));
  }
  std::fflush(stdout);
  ::kill(promgo_pid, SIGKILL);
  ::waitpid(promgo_pid, nullptr, 0);
  std::fclose(promgo_out);

  // 2. Profiles, the workload running.
  shared->run_workload = 1;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::map<std::string, std::vector<double>> rate, cpu, per_unit, agent;
  const char* modes[] = {"bare", "gops port", "HTTP"};
  for (int r = 0; r < rounds; ++r) {
    for (const char* mode : modes) {
      std::uint64_t u0 = shared->units[0] + shared->units[1];
      std::int64_t c0 = process_cpu_ns(host_pid);
      std::int64_t a0 = process_cpu_ns(host_pid, "gops-");
      auto t0 = Clock::now();
      if (std::string(mode) == "bare") std::this_thread::sleep_for(std::chrono::seconds(window));
      else if (std::string(mode) == "gops port") profile_over_gops_port(static_cast<std::uint16_t>(gops_port), window);
      else profile_over_http(static_cast<std::uint16_t>(http_port), window);
      double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      std::uint64_t u1 = shared->units[0] + shared->units[1];
      std::int64_t c1 = process_cpu_ns(host_pid);
      std::int64_t a1 = process_cpu_ns(host_pid, "gops-");
      rate[mode].push_back(static_cast<double>(u1 - u0) / seconds);
      cpu[mode].push_back(static_cast<double>(c1 - c0) / 1e9 / seconds);
      per_unit[mode].push_back(static_cast<double>(c1 - c0) / static_cast<double>(u1 - u0));
      agent[mode].push_back(static_cast<double>(a1 - a0) / 1e6);
    }
  }
  std::printf("\nCPU profile (%d s windows, %d rounds, workload on 2 threads), each against the bare window "
              "of its round: work done per second, the host's CPU per unit of work (handlers and agent "
              "included), the agent threads' CPU in the window\n\n", window, rounds);
  std::printf("| mode | work rate / bare (median, q1-q3) | host CPU per unit / bare (median, q1-q3) | agent "
              "threads' CPU (median) |\n|---|---:|---:|---:|\n");
  for (const char* mode : modes) {
    std::vector<double> ratio, cost;
    for (std::size_t i = 0; i < rate[mode].size(); ++i) {
      ratio.push_back(rate[mode][i] / rate["bare"][i]);
      cost.push_back(per_unit[mode][i] / per_unit["bare"][i]);
    }
    std::printf("| %s | %.4f (%.4f-%.4f) | %.4f (%.4f-%.4f) | %.1f ms |\n", mode, gops::bench::quantile(ratio, 0.5),
                gops::bench::quantile(ratio, 0.25), gops::bench::quantile(ratio, 0.75),
                gops::bench::quantile(cost, 0.5), gops::bench::quantile(cost, 0.25),
                gops::bench::quantile(cost, 0.75), gops::bench::quantile(agent[mode], 0.5));
  }
  ::kill(host_pid, SIGKILL);
  ::waitpid(host_pid, nullptr, 0);
  return 0;
}
