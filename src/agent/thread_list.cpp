#include "agent/thread_list.hpp"

#include <dirent.h>

#include <algorithm>
#include <charconv>

#include "agent/proc_self.hpp"

namespace gops::agent {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The value after "\nKey:" in a status file, leading blanks skipped.
std::string_view field(std::string_view status, std::string_view key) {
  auto at = status.find(key);
  if (at == std::string_view::npos) return {};
  std::size_t i = at + key.size();
  while (i < status.size() && (status[i] == ' ' || status[i] == '\t')) ++i;
  std::size_t end = status.find('\n', i);
  return status.substr(i, (end == std::string_view::npos ? status.size() : end) - i);
}

}  // namespace

std::vector<ThreadInfo> list_threads() {
  std::vector<ThreadInfo> out;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    pid_t tid = 0;
    std::string_view name = e->d_name;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (ec != std::errc{} || p != name.data() + name.size()) continue;
    ThreadInfo t;
    t.tid = tid;
    std::string base = "/proc/self/task/" + std::string(name) + "/";
    // One read gives name, state and mask: this runs for every thread.
    std::string status = read_proc_file(base + "status", 4096);
    t.name = std::string(field(status, "Name:"));
    std::string_view state = field(status, "\nState:");
    if (!state.empty()) t.state = state[0];
    std::string_view mask = field(status, "\nSigBlk:");
    std::from_chars(mask.data(), mask.data() + mask.size(), t.blocked_signals, 16);
    if (t.state != 'R') {
      t.wchan = trimmed(read_proc_file(base + "wchan", 128));
      if (t.wchan == "0") t.wchan.clear();
    }
    out.push_back(std::move(t));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const ThreadInfo& a, const ThreadInfo& b) { return a.tid < b.tid; });
  return out;
}

std::string describe_state(char state) {
  switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 't': return "t (tracing stop)";
    case 'Z': return "Z (zombie)";
    case 'X': return "X (dead)";
    case 'I': return "I (idle)";
  }
  return std::string(1, state);
}

}  // namespace gops::agent
