// `gops`, `gops tree` and `gops modules` against real Go processes built with
// Debian's Go toolchain.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/go_list.hpp"
#include "support/process.hpp"

namespace gops::test {
namespace {

class ListTest : public ::testing::Test {
 protected:
  Env env() const { return {{"GOPS_CONFIG_DIR", config_.path()}}; }
  Child start(const std::string& binary, std::vector<std::string> args = {}) {
    args.insert(args.begin(), binary);
    Child c = Child::spawn(args, env());
    EXPECT_TRUE(c.wait_for_output("ready\n")) << binary;
    return c;
  }
  RunResult gops(std::vector<std::string> args = {}) {
    args.insert(args.begin(), gops_cli());
    return run(args, env());
  }
  TempDir config_;
};

TEST_F(ListTest, ListsEveryBuildOfAGoProgramWithItsVersion) {
  const std::vector<std::string> builds = {"listed", "listed-stripped", "listed-trimpath", "listed-cgo"};
  std::vector<Child> children;
  for (const auto& b : builds) children.push_back(start(go_bin(b)));
  auto r = gops();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (std::size_t i = 0; i < builds.size(); ++i) {
    std::string row = row_of(r.out, children[i].pid());
    ASSERT_FALSE(row.empty()) << builds[i] << " missing from:\n" << r.out;
    // PID PPID name, no agent mark, version, path: single spaces between
    // columns padded to their widest entry.
    std::regex shape(std::to_string(children[i].pid()) + " +" + std::to_string(getpid()) + " +" + builds[i] +
                     "  +" + go_version_of(go_bin(builds[i])) + " +" + go_bin(builds[i]));
    EXPECT_TRUE(std::regex_match(row, shape)) << row;
  }
}

TEST_F(ListTest, ColumnsLineUpAsInTheGoGops) {
  Child a = start(go_bin("listed"));
  Child b = start(go_bin("listed-trimpath"));
  auto r = gops();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_GE(lines.size(), 2u);
  // Every row's path starts at the same column: the widths are shared.
  std::set<std::size_t> path_columns;
  for (const auto& line : lines) path_columns.insert(line.find(" /"));
  EXPECT_EQ(path_columns.size(), 1u) << r.out;
}

TEST_F(ListTest, MarksAgentsAndListsNonGoAgentProcesses) {
  Child go = start(go_bin("listed"));
  write_file(config_.path() + "/" + std::to_string(go.pid()), "12345");
  // A C++ program with a port file counts as an agent process: listed, with
  // the toolchain that built it.
  Child sleeper = Child::spawn({GOPS_TEST_SLEEPER}, env());
  ASSERT_TRUE(sleeper.wait_for_output("ready\n"));
  write_file(config_.path() + "/" + std::to_string(sleeper.pid()), "12346");
  auto r = gops();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string go_row = row_of(r.out, go.pid());
  // The name column is padded to the widest name, then the mark.
  EXPECT_TRUE(std::regex_search(go_row, std::regex(" listed *\\* go1\\."))) << r.out;
  std::string c_row = row_of(r.out, sleeper.pid());
  std::string toolchain = GOPS_TEST_TOOLCHAIN;
  EXPECT_TRUE(std::regex_search(c_row, std::regex(" cli_sleeper *\\* +" + toolchain + " +" + std::string(GOPS_TEST_SLEEPER) + "$")))
      << r.out;
}

TEST_F(ListTest, ListsAProcessWhoseBinaryWasDeleted) {
  TempDir dir;
  std::string copy = dir.path() + "/gone-soon";
  std::filesystem::copy_file(go_bin("listed"), copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  Child c = start(copy);
  std::filesystem::remove(copy);
  auto r = gops();
  std::string row = row_of(r.out, c.pid());
  EXPECT_NE(row.find("gone-soon"), std::string::npos) << r.out;
  EXPECT_NE(row.find(" go1."), std::string::npos) << row;
}

TEST_F(ListTest, SkipsWhatItCannotReadAndSaysSoWhenVerbose) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to run gops as another user";
  // As nobody, root's processes cannot be read: they are skipped and counted,
  // and nobody's own Go process is still listed.
  const std::vector<std::string> as_nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  Child root_go = start(go_bin("listed"));
  auto args = as_nobody;
  args.push_back(go_bin("listed-stripped"));
  Child nobody_go = Child::spawn(args, env());
  ASSERT_TRUE(nobody_go.wait_for_output("ready\n"));
  args = as_nobody;
  args.insert(args.end(), {gops_cli(), "-v"});
  auto r = run(args, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row_of(r.out, root_go.pid()), "") << r.out;
  EXPECT_NE(row_of(r.out, nobody_go.pid()), "") << r.out;
  EXPECT_NE(r.err.find("skipped PID " + std::to_string(root_go.pid()) + ": "), std::string::npos) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("(\\d+) processes listed, (\\d+) skipped"))) << r.err;
  EXPECT_GE(std::stoi(m[2]), 1);
  // Without -v, nothing is said.
  args.pop_back();
  EXPECT_EQ(run(args, env()).err, "");
}

TEST_F(ListTest, TreeShowsGoProcessesUnderTheirParent) {
  Child a = start(go_bin("listed"));
  Child b = start(go_bin("listed-stripped"));
  write_file(config_.path() + "/" + std::to_string(b.pid()), "1");
  auto r = gops({"tree"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.out.starts_with("...\n")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n\n")) << r.out;
  const std::string version = go_version_of(go_bin("listed"));
  auto lines = split_lines(r.out);
  auto parent = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.ends_with(" " + std::to_string(getpid()));
  });
  ASSERT_NE(parent, lines.end()) << r.out;
  std::string child_a = std::to_string(a.pid()) + " (listed) {" + version + "}";
  std::string child_b = "[*]  " + std::to_string(b.pid()) + " (listed-stripped) {" + version + "}";
  EXPECT_NE(r.out.find("── " + child_a + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("└── " + child_b + "\n"), std::string::npos) << r.out;
}

TEST_F(ListTest, JsonListAndTreeCarryTheSameFacts) {
  Child a = start(go_bin("listed"));
  auto r = gops({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p["pid"] == a.pid(); });
  ASSERT_NE(it, list.end()) << r.out;
  EXPECT_EQ((*it)["ppid"], getpid());
  EXPECT_EQ((*it)["name"], "listed");
  EXPECT_EQ((*it)["path"], go_bin("listed"));
  EXPECT_EQ((*it)["version"], go_version_of(go_bin("listed")));
  EXPECT_EQ((*it)["go"], true);
  EXPECT_EQ((*it)["agent"], false);

  auto t = gops({"tree", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto tree = nlohmann::json::parse(t.out);
  auto root = std::find_if(tree.begin(), tree.end(), [&](const auto& n) { return n["pid"] == getpid(); });
  ASSERT_NE(root, tree.end()) << t.out;
  auto& kids = (*root)["children"];
  EXPECT_TRUE(std::any_of(kids.begin(), kids.end(), [&](const auto& k) { return k["pid"] == a.pid(); })) << t.out;
}

TEST_F(ListTest, ModulesEqualsGoVersionM) {
  for (const std::string b : {"listed", "listed-stripped", "listed-trimpath", "listed-cgo"}) {
    auto expected = run({"go", "version", "-m", go_bin(b)});
    ASSERT_EQ(expected.exit_code, 0) << expected.err;
    auto by_file = gops({"modules", go_bin(b)});
    EXPECT_EQ(by_file.exit_code, 0) << by_file.err;
    EXPECT_EQ(by_file.out, expected.out) << b;
    Child c = start(go_bin(b));
    auto by_pid = gops({"modules", std::to_string(c.pid())});
    EXPECT_EQ(by_pid.exit_code, 0) << by_pid.err;
    EXPECT_EQ(by_pid.out, expected.out) << b;
  }
  auto dep = gops({"modules", go_bin("listed")});
  EXPECT_NE(dep.out.find("\tdep\texample.com/greeter\tv0.1.0\n\t=>\t./greeter\t(devel)\t\n"), std::string::npos) << dep.out;
}

TEST_F(ListTest, ModulesOfANonGoFileIsAClearError) {
  auto r = gops({"modules", "/usr/bin/sleep"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("not a Go executable"), std::string::npos) << r.err;
  auto missing = gops({"modules", "/nonexistent/binary"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/binary"), std::string::npos) << missing.err;
}

TEST_F(ListTest, JsonWithANameThatIsNotUtf8IsValidAndKeepsTheBytes) {
  // `cp prog $'x\xff'; ./$'x\xff' &`: any user can do it; the JSON list must
  // still come out, with the exact bytes recoverable.
  TempDir dir;
  const std::string name = "x\xff";
  const std::string copy = dir.path() + "/" + name;
  std::filesystem::copy_file(go_bin("listed"), copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  Child c = start(copy);
  auto r = gops({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p["pid"] == c.pid(); });
  ASSERT_NE(it, list.end()) << r.out;
  EXPECT_EQ((*it)["name"], "x\xEF\xBF\xBD");
  EXPECT_EQ((*it)["name_base64"], "eP8=");
  EXPECT_TRUE((*it).contains("path_base64"));
  EXPECT_FALSE((*it).contains("version_base64"));

  auto t = gops({"tree", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("\"name_base64\": \"eP8=\""), std::string::npos) << t.out;

  auto d = gops({"process", std::to_string(c.pid()), "--json"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto details = nlohmann::json::parse(d.out);
  EXPECT_TRUE(details.contains("cmdline_base64")) << d.out;
}

TEST_F(ListTest, ModulesRefusesWhatIsNotARegularFileAtOnce) {
  // `go version -m` refuses these; reading them would hang (a FIFO) or
  // never end (/dev/zero).
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {fifo, "not a regular file (a named pipe)"},
      {"/dev/zero", "not a regular file (a character device)"},
      {"/proc/self/mem", "a file of a kernel file system (/proc, /sys), not an executable"},
      {dir.path(), "not a regular file (a directory)"},
  };
  for (const auto& [path, why] : cases) {
    auto r = run({gops_cli(), "modules", path}, env(), 10s);
    EXPECT_EQ(r.exit_code, 1) << path;  // -1: killed after hanging
    EXPECT_EQ(r.err, "gops: " + path + ": " + why + "\n");
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(ListTest, AWriteErrorOnStdoutIsAnError) {
  // A full disk must not pass for a listing.
  auto r = run({"sh", "-c", "exec \"$0\" \"$@\" >/dev/full", gops_cli(), "--json"}, env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("gops: write to stdout", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run({"sh", "-c", "exec \"$0\" \"$@\" >/dev/full", gops_cli(), "--version"}, env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("gops: write to stdout", 0), 0u) << r.err;
}

}  // namespace
}  // namespace gops::test
