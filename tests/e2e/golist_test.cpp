// The Go stand-in for the Go gops list against real Go processes: it must
// find what the Go gops finds and print it in the same columns, so that its
// rows can check ours (an independent reading with Go's debug/buildinfo).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "support/go_list.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

// The row with each run of spaces cut to one: column widths depend on every
// other row, the words must not.
std::string words(const std::string& row) {
  std::istringstream in(row);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

class GolistTest : public ::testing::Test {
 protected:
  Env env() const { return {{"GOPS_CONFIG_DIR", config_.path()}}; }
  Child start(const std::string& binary) {
    Child c = Child::spawn({binary}, env());
    EXPECT_TRUE(c.wait_for_output("ready\n")) << binary;
    return c;
  }
  RunResult golist() { return run({go_bin("golist")}, env()); }
  TempDir config_;
};

TEST_F(GolistTest, ListsGoProcessesWithPpidNameVersionAndPath) {
  const std::vector<std::string> builds = {"listed", "listed-stripped", "listed-trimpath", "listed-cgo"};
  std::vector<Child> children;
  for (const auto& b : builds) children.push_back(start(go_bin(b)));
  auto r = golist();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (std::size_t i = 0; i < builds.size(); ++i) {
    std::string row = row_of(r.out, children[i].pid());
    ASSERT_FALSE(row.empty()) << builds[i] << " missing from:\n" << r.out;
    std::regex shape(std::to_string(children[i].pid()) + " +" + std::to_string(getpid()) + " +" + builds[i] +
                     "  +" + go_version_of(go_bin(builds[i])) + " +" + go_bin(builds[i]));
    EXPECT_TRUE(std::regex_match(row, shape)) << row;
  }
  std::set<std::size_t> path_columns;
  for (const auto& line : split_lines(r.out)) path_columns.insert(line.find(" /"));
  EXPECT_EQ(path_columns.size(), 1u) << r.out;
}

TEST_F(GolistTest, MarksAgentsAndSkipsNonGoProcesses) {
  Child go = start(go_bin("listed"));
  write_file(config_.path() + "/" + std::to_string(go.pid()), "12345");
  Child sleeper = Child::spawn({"sleep", "60"}, env());
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists("/proc/" + std::to_string(sleeper.pid()) + "/exe"); }));
  auto r = golist();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The mark follows the name padded to the widest name on the machine.
  EXPECT_TRUE(std::regex_search(row_of(r.out, go.pid()), std::regex(" listed *\\* go1\\."))) << r.out;
  EXPECT_EQ(row_of(r.out, sleeper.pid()), "") << r.out;
}

TEST_F(GolistTest, FindsTheSameGoProcessesAsOurGops) {
  std::vector<Child> children;
  for (int i = 0; i < 3; ++i) children.push_back(start(go_bin("listed")));
  children.push_back(start(go_bin("listed-cgo")));
  write_file(config_.path() + "/" + std::to_string(children[1].pid()), "12345");
  auto theirs = golist();
  auto ours = run({gops_cli()}, env());
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  for (const auto& c : children) {
    std::string row = words(row_of(theirs.out, c.pid()));
    EXPECT_FALSE(row.empty()) << theirs.out;
    EXPECT_EQ(words(row_of(ours.out, c.pid())), row) << "gops:\n" << ours.out << "stand-in:\n" << theirs.out;
  }
}

TEST_F(GolistTest, RefusesArguments) {
  auto r = run({go_bin("golist"), "tree"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("usage: golist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gops::test
