// The list and tree texts, byte for byte as the Go gops prints them.
#include "cli/process_format.hpp"

#include <gtest/gtest.h>

namespace gops::cli {
namespace {

ListedProcess go_process(int pid, int ppid, std::string name, std::string version, bool agent = false) {
  ListedProcess p;
  p.pid = pid;
  p.ppid = ppid;
  p.name = std::move(name);
  p.path = "/usr/bin/" + p.name;
  p.version = std::move(version);
  p.go = true;
  p.agent = agent;
  return p;
}

TEST(FormatList, PadsEachColumnToItsWidestEntry) {
  std::vector<ListedProcess> ps = {go_process(7, 1, "a", "go1.19.8"),
                                   go_process(12345, 7, "longname", "go1.21.5", true)};
  EXPECT_EQ(format_list(ps),
            "7     1 a         go1.19.8 /usr/bin/a\n"
            "12345 7 longname* go1.21.5 /usr/bin/longname\n");
  EXPECT_EQ(format_list({}), "");
}

TEST(FormatList, ShortensDevelVersions) {
  EXPECT_EQ(shorten_version("devel +abc123 Tue Jan 1 00:00:00 2019 +0000"), "devel +abc123");
  EXPECT_EQ(shorten_version("devel  go1.22-abc"), "devel  go1.22-abc");
  EXPECT_EQ(shorten_version("go1.19.8"), "go1.19.8");
  std::vector<ListedProcess> ps = {go_process(1, 0, "x", "devel +0123abcd Mon")};
  EXPECT_EQ(format_list(ps), "1 0 x  devel +0123abcd /usr/bin/x\n");
}

TEST(FormatTree, DrawsParentsAndChildrenAsTreeprint) {
  std::vector<ListedProcess> ps = {go_process(10, 1, "a", "go1.19"), go_process(11, 1, "b", "go1.20", true),
                                   go_process(20, 10, "c", "go1.19"), go_process(30, 5, "d", "go1.18")};
  EXPECT_EQ(format_tree(ps),
            "...\n"
            "├── 1\n"
            "│   ├── 10 (a) {go1.19}\n"
            "│   │   └── 20 (c) {go1.19}\n"
            "│   └── [*]  11 (b) {go1.20}\n"
            "└── 5\n"
            "    └── 30 (d) {go1.18}\n"
            "\n");
}

TEST(FormatTree, ShowsAListedParentWhateverItsPpid) {
  // The Go gops loses a parent whose PPID sorts after its child's; we keep it.
  std::vector<ListedProcess> ps = {go_process(100, 500, "parent", "go1.19"), go_process(200, 100, "child", "go1.19")};
  EXPECT_EQ(format_tree(ps),
            "...\n"
            "└── 500\n"
            "    └── 100 (parent) {go1.19}\n"
            "        └── 200 (child) {go1.19}\n"
            "\n");
}

TEST(FormatTree, EmptyListIsTheRootAlone) { EXPECT_EQ(format_tree({}), "...\n\n"); }

TEST(FormatDetails, PrintsTheGoGopsLines) {
  proc::Details d;
  d.pid = 42;
  d.ppid = 1;
  d.threads = 5;
  d.memory_percent = 0.12345;
  d.cpu_percent = 1.5;
  d.username = "root";
  d.cmdline = "/bin/prog -x";
  d.create_time_ms = 1'000'000;
  d.connections.push_back({"127.0.0.1", 8080, "0.0.0.0", 0, "LISTEN"});
  d.connections.push_back({"/run/x.sock", 0, "", 0, "NONE"});
  std::string text = format_details(d, true, 1'000'000 + 3'723'000, PeriodUsage{std::chrono::seconds(2), 50});
  EXPECT_EQ(text,
            "parent PID:\t1\n"
            "threads:\t5\n"
            "memory usage:\t0.123%\n"
            "cpu usage:\t1.500%\n"
            "cpu usage (2s):\t50.000%\n"
            "username:\troot\n"
            "cmd+args:\t/bin/prog -x\n"
            "elapsed time:\t01:02:03\n"
            "local/remote:\t127.0.0.1:8080 <-> 0.0.0.0:0 (LISTEN)\n"
            "local/remote:\t/run/x.sock:0 <-> :0 (NONE)\n");
  d.username.reset();
  std::string no_parent = format_details(d, false, 1'000'000, std::nullopt);
  EXPECT_EQ(no_parent.find("parent PID"), std::string::npos);
  EXPECT_EQ(no_parent.find("username"), std::string::npos);
  EXPECT_NE(no_parent.find("elapsed time:\t00:00\n"), std::string::npos);
}

TEST(Json, NamesThatAreNotUtf8StayValidJsonAndRecoverable) {
  // Any user can name a program so; before, dump() threw and the list was
  // lost for everyone.
  ListedProcess p = go_process(7, 1, "x\xff", "go1.19\xc3");
  p.path = "/tmp/x\xff";
  std::string text;
  ASSERT_NO_THROW(text = list_json({p, go_process(8, 1, "plain", "go1.19")}).dump());
  auto list = nlohmann::json::parse(text);
  EXPECT_EQ(list[0]["name"], "x\xEF\xBF\xBD");
  EXPECT_EQ(list[0]["name_base64"], "eP8=");
  EXPECT_EQ(list[0]["path_base64"], "L3RtcC94/w==");
  EXPECT_EQ(list[0]["version"], "go1.19\xEF\xBF\xBD");
  EXPECT_TRUE(list[0].contains("version_base64"));
  // Valid names carry no second field.
  EXPECT_FALSE(list[1].contains("name_base64"));
  EXPECT_NO_THROW((void)tree_json({p}).dump());

  proc::Details d;
  d.pid = 7;
  d.cmdline = "/tmp/x\xff -v";
  d.username = "us\xe9r";
  auto details = nlohmann::json::parse(details_json(d, 0, std::nullopt).dump());
  EXPECT_EQ(details["cmdline_base64"], "L3RtcC94/yAtdg==");
  EXPECT_EQ(details["username"], "us\xEF\xBF\xBDr");
  EXPECT_TRUE(details.contains("username_base64"));
}

}  // namespace
}  // namespace gops::cli
