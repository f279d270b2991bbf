// `gops completion`: the scripts parse in their shells and bash's really
// completes commands, options and agent PIDs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/agent_peer.hpp"

namespace gops::test {
namespace {

using ::testing::HasSubstr;

std::string bash_complete(const std::string& script_path, const std::string& words, int cword, const Env& env = {}) {
  std::string cmd = "source " + script_path + "; COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
                    "; _gops; printf '%s\\n' \"${COMPREPLY[@]}\"";
  return run({"bash", "-c", cmd}, env).out;
}

TEST(Completion, BashCompletesCommandsOptionsAndAgentPids) {
  TempDir dir;
  auto r = gops({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string script = dir.path() + "/gops.bash";
  write_file(script, r.out);
  EXPECT_EQ(run({"bash", "-n", script}).exit_code, 0);

  auto commands = split_lines(bash_complete(script, "gops st", 1));
  EXPECT_THAT(commands, ::testing::UnorderedElementsAre("stack", "stats"));
  EXPECT_THAT(split_lines(bash_complete(script, "gops pprof-cpu --", 2)), ::testing::IsSupersetOf({"--seconds", "--output", "--timeout"}));
  EXPECT_THAT(split_lines(bash_complete(script, "gops completion ", 2)), ::testing::ElementsAre("bash", "zsh", "fish"));

  AgentPeer peer;
  auto pids = split_lines(bash_complete(script, "gops stack ''", 2, {{"GOPS_CONFIG_DIR", peer.config_dir()}}));
  EXPECT_THAT(pids, ::testing::ElementsAre(peer.pid_text()));
}

TEST(Completion, ZshAndFishScriptsParse) {
  TempDir dir;
  for (std::string shell : {"zsh", "fish"}) {
    auto r = gops({"completion", shell});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("pprof-cpu"));
    EXPECT_THAT(r.out, HasSubstr("completion"));
    std::string path = dir.path() + "/gops." + shell;
    write_file(path, r.out);
    if (run({"sh", "-c", "command -v " + shell}).exit_code != 0) continue;  // shell not installed
    EXPECT_EQ(run({shell, "-n", path}).exit_code, 0) << shell;
  }
}

TEST(Completion, UnknownShellIsRefused) {
  auto r = gops({"completion", "tcsh"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("tcsh"));
}

}  // namespace
}  // namespace gops::test
