#include "support/http_client.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "netsock/net_sockets.hpp"
#include "support/process.hpp"

namespace gops::test {

HttpResult curl(std::uint16_t port, const std::string& target, const std::vector<std::string>& extra) {
  TempDir dir;
  std::string body_file = dir.path() + "/body";
  std::vector<std::string> argv = {"curl", "-s", "-o", body_file, "-w", "%{http_code}", "--max-time", "120"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + target);
  RunResult r = run(argv);
  HttpResult out;
  out.status = std::atoi(r.out.c_str());
  if (std::filesystem::exists(body_file)) out.body = read_file(body_file);
  return out;
}

std::vector<std::uint16_t> listening_ports(pid_t pid) {
  std::set<std::uint16_t> ports;
  auto inodes = netsock::socket_inodes(pid);
  if (!inodes) return {};
  std::string proc = "/proc/" + std::to_string(pid);
  for (auto kind : {netsock::Kind::kTcp4, netsock::Kind::kTcp6}) {
    auto rows = netsock::read_inet_sockets(proc, kind);
    if (!rows) continue;
    for (const auto& row : *rows)
      if (row.state == netsock::kTcpListen &&
          std::find(inodes->begin(), inodes->end(), row.inode) != inodes->end())
        ports.insert(row.local_port);
  }
  return {ports.begin(), ports.end()};
}

std::uint16_t http_port_of(pid_t pid, std::uint16_t gops_port, std::chrono::milliseconds timeout) {
  std::uint16_t found = 0;
  eventually([&] {
    for (std::uint16_t p : listening_ports(pid))
      if (p != gops_port) found = p;
    return found != 0;
  }, timeout);
  return found;
}

std::uint16_t wait_for_port_file(const std::string& path, std::chrono::milliseconds timeout) {
  std::uint16_t port = 0;
  eventually([&] {
    if (!std::filesystem::exists(path)) return false;
    port = static_cast<std::uint16_t>(std::atoi(read_file(path).c_str()));
    return port != 0;
  }, timeout);
  return port;
}

}  // namespace gops::test
