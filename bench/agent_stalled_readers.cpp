// How long `stats` takes while other clients hold replies they never read:
// our agent (in this process) with 0, 4 and 100 such clients, each asking
// for the executable (megabytes) with a 4 KiB receive buffer, in alternating
// rounds; and, as the reference in the same run, the Go agent's behaviour
// (tests/go/agentpeer serves one connection at a time with no deadline)
// with a single such client.
//
//   agent_stalled_readers [AGENTPEER] [ROUNDS]
//
// Prints a markdown table: per number of stalled clients, the median, 90th
// percentile and worst stats round trip, and the ratio of the median to the
// one with none. Measured once the agent has pushed what the kernel takes
// into the stalled clients' sockets (its poll loop idle again); while it
// pushes (about 1 MiB each), a round trip waits a few turns of the loop.
#include <gops/agent.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(std::uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One stats round trip in milliseconds; negative if no whole reply came
// within `limit`.
double stats_ms(std::uint16_t port, std::chrono::milliseconds limit) {
  auto t0 = Clock::now();
  int fd = connect_to(port);
  if (fd < 0 || ::send(fd, "\x07", 1, MSG_NOSIGNAL) != 1) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t0 + limit - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      ::close(fd);
      return -1;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
  }
  ::close(fd);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Clients that asked for the executable and never read; returned once each
// has some of its reply waiting unread (the agent is writing to all).
std::vector<int> stall(std::uint16_t port, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = connect_to(port, 4096);
    if (fd < 0) break;
    ::send(fd, "\x09", 1, MSG_NOSIGNAL);
    fds.push_back(fd);
  }
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (int fd : fds) {
    int unread = 0;
    while ((::ioctl(fd, FIONREAD, &unread) != 0 || unread == 0) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return fds;
}

// CPU ticks used so far by the agent's poll loop (the thread named
// "gops-agent"), 0 if not found.
unsigned long long poll_loop_ticks() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  unsigned long long ticks = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string base = std::string("/proc/self/task/") + e->d_name;
    std::FILE* comm = std::fopen((base + "/comm").c_str(), "re");
    char name[32] = {};
    if (comm == nullptr) continue;
    bool ours = std::fgets(name, sizeof name, comm) != nullptr && std::strncmp(name, "gops-agent", 10) == 0;
    std::fclose(comm);
    if (!ours) continue;
    std::FILE* stat = std::fopen((base + "/stat").c_str(), "re");
    if (stat == nullptr) continue;
    char line[1024] = {};
    if (std::fgets(line, sizeof line, stat) != nullptr) {
      const char* after = std::strrchr(line, ')');
      unsigned long long utime = 0, stime = 0;
      // Fields 14 and 15, counted from the state (field 3) after the comm.
      if (after != nullptr &&
          std::sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2)
        ticks = utime + stime;
    }
    std::fclose(stat);
  }
  ::closedir(dir);
  return ticks;
}

// Waits until the poll loop has stopped pushing the stalled replies into
// the kernel's buffers (about 1 MiB each on loopback): its CPU time stays
// the same for 200 ms. What is measured then is the steady state the
// stalled clients leave.
void wait_until_quiet() {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  unsigned long long last = poll_loop_ticks();
  for (int same = 0; same < 10 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    unsigned long long now = poll_loop_ticks();
    same = now == last ? same + 1 : 0;
    last = now;
  }
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// The Go agent stand-in with one stalled reader: how long stats takes
// (negative: no answer within the limit).
double go_agent_with_one_stalled_reader(const char* agentpeer) {
  char dir[] = "/tmp/gops-stalled-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return -2;
  int out[2];
  if (::pipe(out) != 0) return -2;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::setenv("GOPS_CONFIG_DIR", dir, 1);
    ::setenv("AGENTPEER_NO_SPIN", "1", 1);
    ::execl(agentpeer, agentpeer, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  char line[64] = {};
  ssize_t n = ::read(out[0], line, sizeof line - 1);  // "ready PORT"
  unsigned port = 0;
  double ms = -2;
  if (n > 0 && std::sscanf(line, "ready %u", &port) == 1) {
    std::vector<int> stalled = stall(static_cast<std::uint16_t>(port), 1);
    ms = stats_ms(static_cast<std::uint16_t>(port), std::chrono::seconds(5));
    for (int fd : stalled) ::close(fd);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(out[0]);
  std::string rm = std::string("rm -rf ") + dir;
  [[maybe_unused]] int rc = std::system(rm.c_str());
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const char* agentpeer = argc > 1 ? argv[1] : nullptr;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 10;
  constexpr int kSamples = 10;
  char dir[] = "/tmp/gops-stalled-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  gops::agent::Options options;
  options.config_dir = dir;
  auto r = gops::agent::listen(options);
  if (!r.ok) {
    std::fprintf(stderr, "agent_stalled_readers: %s\n", r.error.c_str());
    return 1;
  }
  std::map<int, std::vector<double>> times;
  int unanswered = 0;
  for (int round = 0; round < rounds; ++round) {
    for (int stalled_count : {0, 4, 100}) {
      std::vector<int> stalled = stall(r.port, stalled_count);
      wait_until_quiet();
      for (int i = 0; i < kSamples; ++i) {
        double ms = stats_ms(r.port, std::chrono::seconds(5));
        if (ms < 0)
          ++unanswered;
        else
          times[stalled_count].push_back(ms);
      }
      for (int fd : stalled) ::close(fd);
    }
  }
  gops::agent::close();
  ::rmdir(dir);

  double base = quantile(times[0], 0.5);
  std::printf("| clients holding unread replies | stats median | p90 | worst | median / none |\n");
  std::printf("|---:|---:|---:|---:|---:|\n");
  for (auto& [count, v] : times)
    std::printf("| %d | %.2f ms | %.2f ms | %.2f ms | %.2f |\n", count, quantile(v, 0.5), quantile(v, 0.9),
                quantile(v, 1.0), quantile(v, 0.5) / base);
  std::printf("\n%d rounds of %d round trips each; %d unanswered within 5 s\n", rounds, kSamples, unanswered);
  if (agentpeer != nullptr) {
    double go = go_agent_with_one_stalled_reader(agentpeer);
    if (go >= 0)
      std::printf("Go agent (agentpeer), 1 client holding an unread reply: stats in %.2f ms\n", go);
    else
      std::printf("Go agent (agentpeer), 1 client holding an unread reply: stats %s\n",
                  go == -1 ? "unanswered within 5 s" : "not measured (agentpeer did not start)");
  }
  return unanswered == 0 ? 0 : 2;
}
