// The C++ reader against gopsutil v3 itself (the library the Go gops uses),
// run as a separate Go program on the same processes: every field `gops
// process` prints, and the list's PID/PPID/name for every process.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "proc/process.hpp"
#include "socket_fixture.hpp"
#include "support/process.hpp"

namespace gops::proc {
namespace {

namespace fs = std::filesystem;
using test::Child;

// "key\tvalue" lines; repeated keys (conn) keep their order.
using PeerView = std::map<std::string, std::vector<std::string>>;

PeerView peer(int pid) {
  auto r = test::run({GOPS_GOPSUTIL_PEER, std::to_string(pid)});
  EXPECT_EQ(r.exit_code, 0) << "gopsutil_peer: " << r.err;
  PeerView v;
  for (const auto& line : test::split_lines(r.out)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) v[line.substr(0, tab)].push_back(line.substr(tab + 1));
  }
  return v;
}

std::string one(const PeerView& v, const std::string& key) {
  auto it = v.find(key);
  return it == v.end() || it->second.empty() ? "<missing " + key + ">" : it->second.front();
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::vector<std::string> texts(const std::vector<Connection>& conns) {
  std::vector<std::string> out;
  for (const auto& c : conns) out.push_back(to_text(c));
  return out;
}

// `ours` read before and after gopsutil's read: a field that moves (RSS,
// CPU ticks) must equal gopsutil's value in one of the two.
#define EXPECT_ONE_OF(before, after, theirs)                                       \
  EXPECT_TRUE((before) == (theirs) || (after) == (theirs))                         \
      << #before << ": ours " << (before) << " then " << (after) << ", gopsutil's " << (theirs)

// Everything `gops process` shows, compared field by field.
void expect_same_details(int pid, bool exe_readable) {
  auto stat = read_stat(pid);
  ASSERT_TRUE(stat.ok()) << stat.message();
  auto before = read_details(pid);
  const PeerView go = peer(pid);
  auto d = read_details(pid);
  ASSERT_TRUE(before.ok()) << before.message();
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(display_name(pid, stat->comm), one(go, "name"));
  auto exe = exe_path(pid);
  EXPECT_EQ(exe.ok(), exe_readable);
  if (exe_readable) {
    EXPECT_EQ(exe.ok() ? *exe : exe.message(), one(go, "exe"));
  } else {
    EXPECT_TRUE(one(go, "exe").starts_with("error: ")) << one(go, "exe");
  }
  EXPECT_EQ(std::to_string(d->ppid), one(go, "ppid"));
  EXPECT_ONE_OF(std::to_string(before->threads), std::to_string(d->threads), one(go, "threads"));
  EXPECT_ONE_OF(fixed(before->memory_percent, 3), fixed(d->memory_percent, 3), one(go, "memory"));
  EXPECT_ONE_OF(fixed(before->cpu_seconds, 2), fixed(d->cpu_seconds, 2), one(go, "cputotal"));
  // CPU time over the time since the start: it falls as the wall time
  // grows, so gopsutil's reading lies between ours before and after (with
  // room for a tick of CPU time spent meanwhile).
  const double go_cpu = std::stod(one(go, "cpu"));
  EXPECT_GE(go_cpu, std::min(before->cpu_percent, d->cpu_percent) - 0.5);
  EXPECT_LE(go_cpu, std::max(before->cpu_percent, d->cpu_percent) + 0.5);
  EXPECT_EQ(d->username.value_or("<none>"), one(go, "username"));
  EXPECT_EQ(d->cmdline, one(go, "cmdline"));
  EXPECT_EQ(std::to_string(d->create_time_ms), one(go, "createtime"));
  auto it = go.find("conn");
  EXPECT_EQ(texts(d->connections), it == go.end() ? std::vector<std::string>{} : it->second);
}

TEST(GopsutilCompare, AChildWithSocketsMatchesEveryField) {
  Child c = Child::spawn({GOPS_PROC_PROBE, "listen"});
  ASSERT_TRUE(c.wait_for_output("udp6"));
  auto d = read_details(c.pid());
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->connections.size(), 2u) << "the probe's two sockets";
  expect_same_details(c.pid(), true);
}

TEST(GopsutilCompare, OwnSocketsInTheSameOrder) {
  SocketFixture sockets;
  ASSERT_TRUE(sockets.ok()) << sockets.error();
  const PeerView go = peer(::getpid());
  auto d = read_details(::getpid());
  ASSERT_TRUE(d.ok()) << d.message();
  ASSERT_EQ(go.count("conn"), 1u);
  EXPECT_EQ(texts(d->connections), go.at("conn"));
  EXPECT_GE(d->connections.size(), sockets.expected().size());
}

TEST(GopsutilCompare, LongNamesAsGopsutilExtendsThem) {
  test::TempDir dir;
  const std::string copy = dir.path() + "/a-twenty-byte-name-x";
  fs::copy_file(GOPS_PROC_PROBE, copy);
  Child direct = Child::spawn({copy, "wait"});
  // argv[0] ending in slashes: Go's filepath.Base drops them.
  Child slashes = Child::spawn({"bash", "-c", "exec -a /x/a-twenty-byte-name-x-more// " + copy + " wait"});
  ASSERT_TRUE(direct.wait_for_output("waiting"));
  ASSERT_TRUE(slashes.wait_for_output("waiting"));
  for (int pid : {direct.pid(), slashes.pid()}) {
    auto stat = read_stat(pid);
    ASSERT_TRUE(stat.ok()) << stat.message();
    EXPECT_EQ(stat->comm, "a-twenty-byte-n");
    EXPECT_EQ(display_name(pid, stat->comm), one(peer(pid), "name"));
  }
  EXPECT_EQ(display_name(direct.pid(), "a-twenty-byte-n"), "a-twenty-byte-name-x");
}

TEST(GopsutilCompare, AProcessThisTestDidNotStart) {
  // PID 1: started before the test, by someone else, with its own memory.
  expect_same_details(1, exe_path(1).ok());
}

// Some gopsutil versions (Debian's 3.22.10 among them) name a process by its
// whole argv[0] when the comm is cut and argv[0]'s base does not start with
// it; the Go gops' own gopsutil and this port keep the comm then.
bool name_rule_differs(int pid, const std::string& comm) {
  if (comm.size() < 15) return false;
  std::string cmdline = test::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  return !fs::path(argv0).filename().string().starts_with(comm);
}

struct ListEntry {
  int ppid = 0;
  std::string name;
  std::uint64_t start_ticks = 0;  // tells a reused PID apart
  bool operator==(const ListEntry&) const = default;
};

// What the list shows for every process, read by this library.
std::map<int, ListEntry> list_view() {
  std::map<int, ListEntry> out;
  for (int pid : list_pids()) {
    auto s = read_stat(pid);
    if (!s.ok()) continue;
    std::string name = name_rule_differs(pid, s->comm) ? "<differs>" : display_name(pid, s->comm);
    out[pid] = {s->ppid, name, s->start_ticks};
  }
  return out;
}

TEST(GopsutilCompare, EveryProcessOnTheMachine) {
  // Processes exec and get reparented all the time on a busy machine, so
  // only those that look the same before and after gopsutil's read count.
  const auto before = list_view();
  auto r = test::run({GOPS_GOPSUTIL_PEER, "all"});
  const auto after = list_view();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int compared = 0;
  for (const auto& line : test::split_lines(r.out)) {
    std::istringstream in(line);
    int pid = 0;
    std::int64_t created_ms = 0;
    ListEntry go;
    in >> pid >> go.ppid >> created_ms;
    std::getline(in >> std::ws, go.name);
    auto b = before.find(pid), a = after.find(pid);
    if (b == before.end() || a == after.end() || !(b->second == a->second)) continue;
    ++compared;
    if (b->second.name == "<differs>") go.name = "<differs>";
    go.start_ticks = b->second.start_ticks;
    EXPECT_EQ(b->second, go) << "PID " << pid << ": ours " << b->second.ppid << " " << b->second.name
                             << ", gopsutil's " << line;
  }
  EXPECT_GT(compared, 3);
}

}  // namespace
}  // namespace gops::proc
