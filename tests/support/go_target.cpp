#include "support/go_target.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "attach/proc_task.hpp"

namespace gops::test {
namespace {

std::string temp_path(const char* stem) {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/gops-go-" + stem + "-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  return tmpl;
}

std::string corpus_dir() {
  if (const char* d = std::getenv("GOPS_CORPUS_DIR")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/gops-corpus";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/.cache/gops-corpus";
}

}  // namespace

GoTarget GoTarget::start(const std::vector<std::string>& argv, const Env& env, const std::string& ready_text,
                         std::size_t min_threads) {
  GoTarget t;
  t.out_path_ = temp_path("out");
  t.err_path_ = temp_path("err");
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int out = ::open(t.out_path_.c_str(), O_WRONLY | O_TRUNC);
    int err = ::open(t.err_path_.c_str(), O_WRONLY | O_TRUNC);
    ::dup2(in[0], 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(in[0]);
  t.stdin_fd_ = in[1];
  t.pid_ = pid;
  t.started_ = eventually(
      [&] {
        bool ready = ready_text.empty() || t.out().find(ready_text) != std::string::npos;
        return ready && attach::list_threads(pid).size() >= min_threads;
      },
      std::chrono::seconds(60));
  return t;
}

GoTarget::GoTarget(GoTarget&& o) noexcept
    : pid_(o.pid_), stdin_fd_(o.stdin_fd_), out_path_(std::move(o.out_path_)), err_path_(std::move(o.err_path_)),
      started_(o.started_), reaped_(o.reaped_) {
  o.pid_ = -1;
  o.stdin_fd_ = -1;
}

GoTarget::~GoTarget() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (!out_path_.empty()) ::unlink(out_path_.c_str());
  if (!err_path_.empty()) ::unlink(err_path_.c_str());
}

std::string GoTarget::out() const { return read_file(out_path_); }
std::string GoTarget::err() const { return read_file(err_path_); }

std::string GoTarget::sigquit_dump() {
  ::kill(pid_, SIGQUIT);
  wait();
  return err();
}

void GoTarget::kill(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

std::optional<int> GoTarget::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    if (r < 0 || std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

std::string thread_states_of(pid_t pid) {
  std::string s;
  for (pid_t tid : attach::list_threads(pid))
    if (auto st = attach::read_task_stat(pid, tid)) s += st->state;
  return s;
}

std::string goroutines_binary(const std::string& variant) {
  if (variant.empty()) return go_bin("goroutines");
  if (variant.rfind("go1.", 0) == 0) return go_bin("goroutines-" + variant);
  return go_bin("goroutines_" + variant);
}

std::vector<std::string> toolchain_releases() {
  std::vector<std::string> out;
  std::stringstream in(GOPS_TEST_GO_RELEASES);
  for (std::string r; std::getline(in, r, ',');)
    if (!r.empty()) out.push_back("go" + r);
  return out;
}

std::vector<CorpusBinary> running_corpus() {
  std::vector<CorpusBinary> out;
  for (const char* manifest : {"/tests/corpus/manifest.tsv", "/tests/corpus/running.tsv"}) {
    std::ifstream in(source_dir() + manifest);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string cell; std::getline(ls, cell, '\t');) f.push_back(cell);
      if (f.size() < 8 || f[7] != "elf64-le" || f[0].find("linux-x64") == std::string::npos) continue;
      out.push_back({f[0], corpus_dir() + "/" + f[0], f[5], f[6]});
    }
  }
  return out;
}

}  // namespace gops::test
