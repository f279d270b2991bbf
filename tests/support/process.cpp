#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace gops::test {

std::string gops_cli() { return GOPS_TEST_CLI; }
std::string source_dir() { return GOPS_TEST_SOURCE_DIR; }
std::string binary_dir() { return GOPS_TEST_BINARY_DIR; }
std::string go_bin(const std::string& name) { return std::string(GOPS_TEST_BINARY_DIR) + "/go-bin/" + name; }

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// fork + exec with stdout/stderr to the given fds (-1: inherit), stdin from /dev/null.
pid_t start(const std::vector<std::string>& argv, const Env& env, int out_fd, int err_fd) {
  auto args = c_argv(argv);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // A peer dies with the test that started it, even when the test dies
    // without its destructors (a sanitizer's abort, ctest's timeout kill):
    // a spinning peer left behind would load every later test and benchmark.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    // As from an interactive shell, whatever the test runner inherited (a
    // background job ignores SIGINT and SIGQUIT).
    for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (out_fd >= 0) dup2(out_fd, 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

std::string temp_file(const char* stem) {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/gops-test-" + stem + "-XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return tmpl;
}

std::optional<int> wait_pid(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const Env& env, std::chrono::milliseconds timeout) {
  std::string out_path = temp_file("out"), err_path = temp_file("err");
  int out_fd = open(out_path.c_str(), O_WRONLY | O_TRUNC);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_TRUNC);
  pid_t pid = start(argv, env, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  RunResult r;
  auto status = wait_pid(pid, timeout);
  if (!status) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  } else {
    r.exit_code = *status;
  }
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

Child Child::spawn(const std::vector<std::string>& argv, const Env& env) {
  std::string out_path = temp_file("child");
  int out_fd = open(out_path.c_str(), O_WRONLY | O_TRUNC);
  pid_t pid = start(argv, env, out_fd, -1);
  close(out_fd);
  return Child(pid, out_path);
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_), out_path_(std::move(other.out_path_)), reaped_(other.reaped_) {
  other.pid_ = -1;
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!out_path_.empty()) std::filesystem::remove(out_path_);
}

std::string Child::output() const { return read_file(out_path_); }

bool Child::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const {
  return eventually([&] {
    if (output().find(text) != std::string::npos) return true;
    return false;
  }, timeout);
}

void Child::kill(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return -1;
  auto s = wait_pid(pid_, timeout);
  if (s) reaped_ = true;
  return s;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TempDir::TempDir() {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/gops-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool catches_signal(pid_t pid, int sig) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("SigCgt:\t");
  if (at == std::string::npos) return false;
  unsigned long long mask = std::stoull(status.substr(at + 8), nullptr, 16);
  return (mask >> (sig - 1)) & 1;
}

void write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace gops::test
