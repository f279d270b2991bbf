// process_vm_readv against a real process: scattered pieces in few calls,
// holes marked and skipped, and the process exiting under the reader.
#include <gtest/gtest.h>

#include <vector>

#include "attach/process_memory.hpp"
#include "target_fixture.hpp"

namespace gops::test {
namespace {

std::uint8_t first_pattern(std::uint64_t i) { return static_cast<std::uint8_t>(i * 7 + 3); }
std::uint8_t second_pattern(std::uint64_t i) { return static_cast<std::uint8_t>(i * 5 + 1); }

TEST(ProcessMemory, ReadsAWholeRange) {
  auto t = AttachTarget::start(2);
  attach::ProcessMemory mem(t.pid);
  std::vector<std::uint8_t> buf(t.size);
  ASSERT_TRUE(mem.read(t.buffer, buf).ok());
  for (std::uint64_t i = 0; i < t.size; ++i) ASSERT_EQ(buf[i], first_pattern(i)) << i;
}

TEST(ProcessMemory, ARangeIntoAHoleIsAnErrorNamingTheAddress) {
  auto t = AttachTarget::start(2);
  attach::ProcessMemory mem(t.pid);
  std::vector<std::uint8_t> buf(64);
  auto s = mem.read(t.hole - 32, buf);
  ASSERT_FALSE(s.ok());
  char want[64];
  std::snprintf(want, sizeof want, "address %#llx is not mapped", static_cast<unsigned long long>(t.hole));
  EXPECT_NE(s.message().find(want), std::string::npos) << s.message();
}

TEST(ProcessMemory, BatchMarksHolesAndReadsTheRestInFewCalls) {
  auto t = AttachTarget::start(2);
  attach::ProcessMemory mem(t.pid);
  // 600 pieces of 8 bytes: mapped ones on both sides of the hole, and
  // every tenth one inside it.
  std::vector<std::array<std::uint8_t, 8>> out(600);
  std::vector<attach::ReadPiece> pieces;
  std::vector<std::uint64_t> offset;
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t off = i % 10 == 9 ? t.size + 8 * (i % 50) : (i % 2 ? 2 * t.size : 0) + (8 * i) % (t.size - 8);
    offset.push_back(off);
    pieces.push_back({t.buffer + off, out[i].data(), 8});
  }
  ASSERT_TRUE(mem.read_batch(pieces).ok());
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t off = offset[i];
    if (off >= t.size && off < 2 * t.size) {
      EXPECT_FALSE(pieces[i].ok) << i;
      continue;
    }
    ASSERT_TRUE(pieces[i].ok) << i;
    for (std::uint64_t k = 0; k < 8; ++k) {
      std::uint64_t at = off + k;
      std::uint8_t want = at < t.size ? first_pattern(at) : second_pattern(at - 2 * t.size);
      ASSERT_EQ(out[i][k], want) << i << " " << k;
    }
  }
  // One call per run of good pieces up to each hole, plus one per hole.
  EXPECT_LE(mem.calls(), 2u * 60 + 2) << "pieces should be batched";
}

TEST(ProcessMemory, ATargetThatExitsMidReadIsSaidSo) {
  auto t = AttachTarget::start(2);
  attach::ProcessMemory mem(t.pid);
  std::vector<std::uint8_t> buf(16);
  ASSERT_TRUE(mem.read(t.buffer, buf).ok());
  t.child.kill(9);
  t.child.wait();
  auto s = mem.read(t.buffer, buf);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "process " + std::to_string(t.pid) + " exited while gops was reading it");
}

TEST(ProcessMemory, NoSuchProcess) {
  auto t = AttachTarget::start(1);
  pid_t pid = t.pid;
  t.child.kill(9);
  t.child.wait();
  attach::ProcessMemory mem(pid);
  std::vector<std::uint8_t> buf(16);
  auto s = mem.read(0x1000, buf);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "no process with PID " + std::to_string(pid));
}

TEST(ProcessMemory, AnotherUsersProcessIsRefusedWithTheReason) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a user and switch to it (CI runs as root)";
  uid_t uid = other_user();
  ASSERT_NE(uid, 0u);
  auto t = AttachTarget::start(1);
  // The helper runs as the other user and reads our (root's) target.
  char addr[32];
  std::snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(t.buffer));
  auto r = run({"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups",
                GOPS_TEST_FREEZE_HOLDER, "read", std::to_string(t.pid), addr});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "cannot read process " + std::to_string(t.pid) + ": it belongs to root (uid 0) and gops runs as " +
                       kOtherUser + " (uid " + std::to_string(uid) +
                       ") without CAP_SYS_PTRACE: run gops as that user, or with sudo\n");
}

}  // namespace
}  // namespace gops::test
