#include "support/host_process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace gops::test {

std::string agent_host_path() { return GOPS_AGENT_HOST; }

namespace {
std::string make_fifo(const std::string& dir) {
  std::string path = dir + "/control";
  if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  return path;
}
std::vector<std::string> argv_for(const std::vector<std::string>& launcher, const std::string& fifo,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv = launcher;
  argv.push_back(agent_host_path());
  argv.push_back(fifo);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}
}  // namespace

namespace {
Env with_config_dir(Env env, const std::string& dir) {
  env["GOPS_CONFIG_DIR"] = dir;
  return env;
}
}  // namespace

HostProcess::HostProcess(const std::vector<std::string>& args, const Env& env,
                         const std::vector<std::string>& launcher)
    : fifo_(make_fifo(dir_.path())),
      child_(Child::spawn(argv_for(launcher, fifo_, args), with_config_dir(env, dir_.path() + "/gops"))) {
  if (!child_.wait_for_output("port=")) throw std::runtime_error("agent_host did not start");
  eventually([&] { return child_.output().find('\n', child_.output().find("port=")) != std::string::npos; });
  std::string out = child_.output();
  port_ = static_cast<std::uint16_t>(std::stoi(out.substr(out.find("port=") + 5)));
}

namespace {
int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

bool HostProcess::command(const std::string& line) {
  std::string done = "done " + line + "\n";
  int before = occurrences(child_.output(), done);
  int fd = ::open(fifo_.c_str(), O_WRONLY);
  if (fd < 0) return false;
  std::string text = line + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok && eventually([&] { return occurrences(child_.output(), done) > before; }, std::chrono::seconds(60));
}

std::string HostProcess::port_file() const { return dir_.path() + "/gops/" + std::to_string(child_.pid()); }

}  // namespace gops::test
