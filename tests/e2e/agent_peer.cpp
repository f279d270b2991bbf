#include "e2e/agent_peer.hpp"

#include <stdexcept>

namespace gops::test {
namespace {

Child start_peer(const std::string& config_dir, Env env) {
  env.emplace("GOPS_CONFIG_DIR", config_dir);  // unless the caller chose one
  return Child::spawn({go_bin("agentpeer")}, env);
}

}  // namespace

AgentPeer::AgentPeer(Env env) : child_(start_peer(config_.path(), std::move(env))) {
  if (!child_.wait_for_output("\n", 30s)) throw std::runtime_error("agentpeer did not start");
  std::string out = child_.output();
  auto pos = out.find("ready ");
  if (pos == std::string::npos) throw std::runtime_error("agentpeer said: " + out);
  port_ = static_cast<std::uint16_t>(std::stoi(out.substr(pos + 6)));
}

RunResult gops(const std::vector<std::string>& args, const Env& env, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{gops_cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, timeout);
}

RunResult go(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"go"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"GOCACHE", binary_dir() + "/go-cache"}, {"GOFLAGS", ""}});
}

}  // namespace gops::test
