#include "container/in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <string>
#include <vector>

namespace gops::container {
namespace {

// As the kernel's own limit on symlinks in one lookup.
constexpr int kMaxLinks = 40;

std::atomic<bool> g_no_openat2{false};

OpenedDir fail(int err) { return OpenedDir{UniqueFd{}, err}; }

OpenedDir with_openat2(int root_fd, std::string_view path) {
  if (path.empty()) return fail(ENOENT);
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string p(path);
  // EAGAIN: a rename or mount raced with the lookup; the kernel asks for a
  // retry rather than risk a wrong answer.
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd, p.c_str(), &how, sizeof how);
    if (fd >= 0) return OpenedDir{UniqueFd(static_cast<int>(fd)), 0};
    if (errno == EAGAIN && attempt < 16) continue;
    return fail(errno);
  }
}

// Splits off the first component of `rest` (after any slashes).
std::string next_component(std::string& rest) {
  std::size_t start = rest.find_first_not_of('/');
  if (start == std::string::npos) {
    rest.clear();
    return {};
  }
  std::size_t end = rest.find('/', start);
  std::string component = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
  rest.erase(0, end == std::string::npos ? rest.size() : end);
  return component;
}

OpenedDir with_walk(int root_fd, std::string_view path) {
  if (path.empty()) return fail(ENOENT);
  std::vector<UniqueFd> walked;  // walked[0] is the root; ".." pops
  walked.emplace_back(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (walked.back().get() < 0) return fail(errno);
  std::string rest(path);
  int links = 0;
  while (!rest.empty()) {
    std::string component = next_component(rest);
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (walked.size() > 1) walked.pop_back();
      continue;
    }
    UniqueFd fd(::openat(walked.back().get(), component.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return fail(errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(errno);
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxLinks) return fail(ELOOP);
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(fd.get(), "", target, sizeof target);
      if (n < 0) return fail(errno);
      if (n == 0) return fail(ENOENT);
      if (static_cast<std::size_t>(n) >= sizeof target) return fail(ENAMETOOLONG);
      std::string spliced(target, static_cast<std::size_t>(n));
      if (spliced.front() == '/') walked.resize(1);  // absolute: from the root again
      rest = spliced + "/" + rest;
      if (rest.size() > 16 * PATH_MAX) return fail(ENAMETOOLONG);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR);
    walked.push_back(std::move(fd));
  }
  return OpenedDir{std::move(walked.back()), 0};
}

}  // namespace

OpenedDir open_dir_in_root(int root_fd, std::string_view path, Resolver resolver) {
  if (resolver == Resolver::kWalk) return with_walk(root_fd, path);
  if (resolver == Resolver::kAuto && g_no_openat2.load(std::memory_order_relaxed)) return with_walk(root_fd, path);
  OpenedDir opened = with_openat2(root_fd, path);
  if (opened.error == ENOSYS && resolver == Resolver::kAuto) {
    g_no_openat2.store(true, std::memory_order_relaxed);
    return with_walk(root_fd, path);
  }
  return opened;
}

}  // namespace gops::container
