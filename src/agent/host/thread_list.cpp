#include "agent/host/thread_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "agent/host/proc_self.hpp"

namespace gops::agent {
namespace {

std::string task_file(pid_t tid, const char* name) {
  return "/proc/self/task/" + std::to_string(tid) + "/" + name;
}

// Reads TID/stat relative to the open task dir: no path walk from / for
// each of possibly thousands of threads.
std::size_t read_stat_at(int task_dir, std::string_view tid, char* buf, std::size_t size) {
  char rel[32];
  if (tid.size() > 20) return 0;
  std::memcpy(rel, tid.data(), tid.size());
  std::memcpy(rel + tid.size(), "/stat", 6);
  int fd = ::openat(task_dir, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, size);
  ::close(fd);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

// Fills name and state from a stat file's text; false when it does not parse.
// "TID (comm) S ...": comm may hold spaces and ')'; the state follows the last ')'.
bool parse_stat(std::string_view stat, ThreadInfo& t) {
  auto open = stat.find('(');
  auto close = stat.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return false;
  t.name = std::string(stat.substr(open + 1, close - open - 1));
  if (close + 2 < stat.size()) t.state = stat[close + 2];
  return true;
}

// Calls `each(dir, name, tid)` for every numeric entry of /proc/self/task.
template <class Each>
void for_each_task(Each each) {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return;
  while (dirent* e = ::readdir(dir)) {
    pid_t tid = 0;
    std::string_view name = e->d_name;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (ec != std::errc{} || p != name.data() + name.size()) continue;
    each(dir, name, tid);
  }
  ::closedir(dir);
}

}  // namespace

std::vector<ThreadInfo> list_threads() {
  std::vector<ThreadInfo> out;
  for_each_task([&](DIR* dir, std::string_view name, pid_t tid) {
    ThreadInfo t;
    t.tid = tid;
    char buf[512];  // comm is at most 16 bytes: name and state are well inside
    parse_stat(std::string_view(buf, read_stat_at(::dirfd(dir), name, buf, sizeof buf)), t);
    out.push_back(std::move(t));
  });
  std::sort(out.begin(), out.end(), [](const ThreadInfo& a, const ThreadInfo& b) { return a.tid < b.tid; });
  return out;
}

std::vector<pid_t> list_thread_ids() {
  std::vector<pid_t> out;
  for_each_task([&](DIR*, std::string_view, pid_t tid) { out.push_back(tid); });
  std::sort(out.begin(), out.end());
  return out;
}

bool read_thread_info(pid_t tid, ThreadInfo& info) {
  info.tid = tid;
  std::string stat = read_proc_file(task_file(tid, "stat"), 512);
  return parse_stat(stat, info);
}

std::string thread_wchan(pid_t tid) {
  std::string w = read_proc_file(task_file(tid, "wchan"), 128);
  while (!w.empty() && (w.back() == '\n' || w.back() == ' ')) w.pop_back();
  return w == "0" ? std::string() : w;
}

bool thread_blocks_signal(pid_t tid, int sig) {
  if (sig < 1 || sig > 64) return false;
  std::string status = read_proc_file(task_file(tid, "status"), 4096);
  auto at = status.find("\nSigBlk:");
  if (at == std::string::npos) return false;
  std::size_t i = at + 8;
  while (i < status.size() && (status[i] == ' ' || status[i] == '\t')) ++i;
  std::uint64_t mask = 0;
  std::from_chars(status.data() + i, status.data() + status.size(), mask, 16);
  return (mask >> (sig - 1)) & 1;
}

}  // namespace gops::agent
