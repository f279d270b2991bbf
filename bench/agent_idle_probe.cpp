// Idle cost of a listening agent: resident memory added by listen(), and
// the context switches (wakeups) of the agent's threads over a period with
// no clients. Prints key: value lines.
//
//   agent_idle_probe [SECONDS]
#include <gops/agent.hpp>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

long status_field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  return -1;
}

std::string comm(const std::string& tid) {
  std::ifstream in("/proc/self/task/" + tid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Voluntary + involuntary switches of every agent thread, and how many.
long agent_switches(int* threads) {
  long total = 0;
  *threads = 0;
  DIR* dir = ::opendir("/proc/self/task");
  while (dirent* e = ::readdir(dir)) {
    std::string tid = e->d_name;
    if (tid[0] == '.') continue;
    std::string name = comm(tid);
    if (name != "gops-agent" && name != "gops-worker") continue;
    std::string status = "/proc/self/task/" + tid + "/status";
    total += status_field(status, "voluntary_ctxt_switches") + status_field(status, "nonvoluntary_ctxt_switches");
    ++*threads;
  }
  ::closedir(dir);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  long rss_before = status_field("/proc/self/status", "VmRSS");
  auto agent = gops::agent::listen();
  if (!agent.ok) {
    std::fprintf(stderr, "agent_idle_probe: %s\n", agent.error.c_str());
    return 1;
  }
  ::usleep(200 * 1000);  // let the threads reach their sleeping point
  int threads = 0;
  long switches_start = agent_switches(&threads);
  long rss_listening = status_field("/proc/self/status", "VmRSS");
  ::sleep(static_cast<unsigned>(seconds));
  int threads_end = 0;
  long switches_end = agent_switches(&threads_end);
  long rss_end = status_field("/proc/self/status", "VmRSS");
  gops::agent::close();
  std::printf("idle seconds: %d\n", seconds);
  std::printf("agent threads: %d\n", threads);
  std::printf("agent thread context switches while idle: %ld\n", switches_end - switches_start);
  std::printf("rss before listen: %ld KiB\n", rss_before);
  std::printf("rss added by listen: %ld KiB\n", rss_listening - rss_before);
  std::printf("rss added after idle period: %ld KiB\n", rss_end - rss_before);
  return 0;
}
