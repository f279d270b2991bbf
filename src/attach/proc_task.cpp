#include "attach/proc_task.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "common/run_beside.hpp"

namespace gops::attach {
namespace {

// A small /proc file, whole; nullopt if it cannot be opened.
std::optional<std::string> read_small(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;
  }
  ::close(fd);
  return out;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end != s.data();
}

}  // namespace

std::vector<pid_t> list_threads(pid_t pid) {
  std::vector<pid_t> tids;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return tids;
  while (dirent* e = ::readdir(dir)) {
    pid_t tid = 0;
    std::string_view name = e->d_name;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (ec == std::errc{} && end == name.data() + name.size() && tid > 0) tids.push_back(tid);
  }
  ::closedir(dir);
  std::sort(tids.begin(), tids.end());
  return tids;
}

namespace {

// "TID (comm) S ...": comm may hold spaces and parentheses; it ends at the
// last ')'.
std::optional<TaskStat> parse_task_stat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open || close + 2 >= text.size())
    return std::nullopt;
  TaskStat st;
  st.name = std::string(text.substr(open + 1, close - open - 1));
  st.state = text[close + 2];
  return st;
}

}  // namespace

std::optional<TaskStat> read_task_stat(pid_t pid, pid_t tid) {
  char path[96];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/stat", static_cast<int>(pid), static_cast<int>(tid));
  auto text = read_small(path);
  if (!text) return std::nullopt;
  return parse_task_stat(*text);
}

namespace {

// read_task_stats over tids[from, to), into out[from, to).
void read_task_stats_into(pid_t pid, int dir, std::span<const pid_t> tids, std::size_t from, std::size_t to,
                          std::vector<std::optional<TaskStat>>& out) {
  for (std::size_t i = from; i < to; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%d/stat", static_cast<int>(tids[i]));
    int fd = dir < 0 ? -1 : ::openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      out[i] = read_task_stat(pid, tids[i]);
      continue;
    }
    // The kernel hands the whole line over in one read when it fits.
    char buf[1024];
    ssize_t n;
    do {
      n = ::read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    if (n > 0 && static_cast<std::size_t>(n) < sizeof buf)
      out[i] = parse_task_stat({buf, static_cast<std::size_t>(n)});
    else if (n != 0)
      out[i] = read_task_stat(pid, tids[i]);
  }
}

// From this many threads on, a second thread reads half of them (1000
// files: about 11 ms from one thread, 8 from two, on two CPUs).
constexpr std::size_t kSplitFrom = 256;

}  // namespace

std::vector<std::optional<TaskStat>> read_task_stats(pid_t pid, std::span<const pid_t> tids) {
  std::vector<std::optional<TaskStat>> out(tids.size());
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  int dir = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto read = [&](std::size_t from, std::size_t to) { read_task_stats_into(pid, dir, tids, from, to, out); };
  if (tids.size() >= kSplitFrom && std::thread::hardware_concurrency() > 1) {
    const std::size_t half = tids.size() / 2;
    run_beside([&] { read(half, tids.size()); }, [&] { read(0, half); });
  } else {
    read(0, tids.size());
  }
  if (dir >= 0) ::close(dir);
  return out;
}

std::optional<ProcessStatus> read_process_status(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  auto text = read_small(path);
  if (!text) return std::nullopt;
  ProcessStatus st;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (key == "Name") {
      st.name = std::string(value);
    } else if (key == "State" && !value.empty()) {
      st.state = value.front();
    } else if (key == "PPid") {
      parse_number(value, st.parent_pid);
    } else if (key == "TracerPid") {
      parse_number(value, st.tracer_pid);
    } else if (key == "Uid") {
      // "real effective saved fs"
      auto tab = value.find_first_of(" \t");
      parse_number(value.substr(0, tab), st.real_uid);
      if (tab != std::string_view::npos) parse_number(value.substr(tab), st.effective_uid);
    }
  }
  return st;
}

}  // namespace gops::attach
