// docs/gops.1 documents every command and option the binary registers:
// compared against the binary's own --help, so a new command or option
// without a man page entry fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "e2e/agent_peer.hpp"

namespace gops::test {
namespace {

std::string rendered_man_page() {
  auto r = run({"man", "-l", source_dir() + "/docs/gops.1"}, {{"MANWIDTH", "200"}, {"LC_ALL", "C"}, {"MANPAGER", "cat"}});
  return r.exit_code == 0 ? r.out : "";
}

// "  name, alias      Description" lines of a CLI11 help section.
std::vector<std::string> help_words(const std::string& help, const std::string& section, const std::regex& word) {
  std::vector<std::string> out;
  auto start = help.find(section + ":\n");
  if (start == std::string::npos) return out;
  for (const auto& line : split_lines(help.substr(start + section.size() + 2))) {
    if (line.empty() || line[0] != ' ') break;
    std::string names = line.substr(0, line.find("  ", 2));
    for (std::sregex_iterator it(names.begin(), names.end(), word), end; it != end; ++it) out.push_back(it->str());
  }
  return out;
}

TEST(ManPage, RendersWithoutWarnings) {
  auto r = run({"groff", "-man", "-ww", "-z", source_dir() + "/docs/gops.1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
}

TEST(ManPage, CoversEveryCommandAndOption) {
  std::string man = rendered_man_page();
  ASSERT_FALSE(man.empty()) << "man -l failed";
  auto help = gops({"--help"});
  auto commands = help_words(help.out, "Subcommands", std::regex(R"([a-z][a-z0-9-]*)"));
  ASSERT_GE(commands.size(), 13u) << help.out;
  for (const auto& c : commands) {
    EXPECT_THAT(man, ::testing::ContainsRegex("\n {7}" + c + "( |\n)|[ {|]" + c + "[ }|]")) << c;
    auto sub_help = gops({c, "--help"});
    for (const auto& opt : help_words(sub_help.out, "Options", std::regex(R"(--?[a-z][a-z-]*)")))
      EXPECT_THAT(man, ::testing::HasSubstr(opt)) << c << " " << opt;
  }
  for (const auto& opt : help_words(help.out, "Options", std::regex(R"(--?[a-z][a-z-]*)")))
    EXPECT_THAT(man, ::testing::HasSubstr(opt)) << opt;
}

}  // namespace
}  // namespace gops::test
