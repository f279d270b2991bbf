#include "attach/proc_task.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

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

std::optional<TaskStat> read_task_stat(pid_t pid, pid_t tid) {
  char path[96];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/stat", static_cast<int>(pid), static_cast<int>(tid));
  auto text = read_small(path);
  if (!text) return std::nullopt;
  // "TID (comm) S ...": comm may hold spaces and parentheses; it ends at
  // the last ')'.
  auto open = text->find('(');
  auto close = text->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open || close + 2 >= text->size())
    return std::nullopt;
  TaskStat st;
  st.name = text->substr(open + 1, close - open - 1);
  st.state = (*text)[close + 2];
  return st;
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
