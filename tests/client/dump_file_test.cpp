#include "client/dump_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "client/go_tool.hpp"
#include "support/process.hpp"

namespace gops::client {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::size_t entries(const std::string& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

TEST(DumpFile, TemporaryFileIsPrivateAndNamedLikeGoCreateTemp) {
  test::TempDir dir;
  setenv("TMPDIR", dir.path().c_str(), 1);
  auto f = DumpFile::temporary("cpu_profile");
  unsetenv("TMPDIR");
  ASSERT_TRUE(f) << f.message();
  EXPECT_EQ(f->path().rfind(dir.path() + "/cpu_profile", 0), 0u) << f->path();
  ASSERT_TRUE(f->write(std::string_view("abc")));
  ASSERT_TRUE(f->commit());
  EXPECT_EQ(mode_of(f->path()), 0600u);
  EXPECT_EQ(test::read_file(f->path()), "abc");
  f->remove();
  EXPECT_EQ(entries(dir.path()), 0u);
}

TEST(DumpFile, OutputFileFollowsTheUmaskAndAppearsOnlyOnCommit) {
  test::TempDir dir;
  std::string path = dir.path() + "/out.pb.gz";
  mode_t old = umask(027);
  auto f = DumpFile::at(path);
  umask(old);
  ASSERT_TRUE(f) << f.message();
  ASSERT_TRUE(f->write(std::string_view("data")));
  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE(f->commit());
  EXPECT_EQ(test::read_file(path), "data");
  EXPECT_EQ(mode_of(path), 0640u);
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(DumpFile, AbandonedOutputLeavesTheOldFileAndNoLeftovers) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  test::write_file(path, "old");
  {
    auto f = DumpFile::at(path);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->write(std::string_view("half")));
  }  // no commit: the command failed
  EXPECT_EQ(test::read_file(path), "old");
  EXPECT_EQ(entries(dir.path()), 1u);
}

bool is_char_device(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

TEST(DumpFile, ADeviceIsWrittenIntoNotReplaced) {
  // Before, the device node was renamed over: as root, -o /dev/null
  // replaced /dev/null for the whole system.
  if (geteuid() != 0) GTEST_SKIP() << "needs root for mknod";
  test::TempDir dir;
  std::string null = dir.path() + "/null";
  ASSERT_EQ(mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  auto f = DumpFile::at(null);
  ASSERT_TRUE(f) << f.message();
  EXPECT_TRUE(f->streams());
  ASSERT_TRUE(f->write(std::string_view("data")));
  ASSERT_TRUE(f->commit());
  EXPECT_TRUE(is_char_device(null));
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(DumpFile, AFifoIsWrittenIntoAsByARedirection) {
  test::TempDir dir;
  std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = test::read_file(fifo); });  // opening waits for the writer
  {
    auto f = DumpFile::at(fifo);  // waits for the reader, as `> fifo` does
    ASSERT_TRUE(f) << f.message();
    ASSERT_TRUE(f->write(std::string_view("through the pipe")));
    ASSERT_TRUE(f->commit());
  }
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  struct stat st {};
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(DumpFile, DashIsStdout) {
  auto f = DumpFile::at("-");
  ASSERT_TRUE(f) << f.message();
  EXPECT_TRUE(f->streams());
  EXPECT_TRUE(f->is_stdout());
}

TEST(DumpFile, ASymlinkIsFollowedItsTargetReplacedAndTheLinkKept) {
  test::TempDir dir;
  std::string target = dir.path() + "/target", link = dir.path() + "/link";
  test::write_file(target, "old");
  chmod(target.c_str(), 0640);
  ASSERT_EQ(symlink("target", link.c_str()), 0);
  auto f = DumpFile::at(link);
  ASSERT_TRUE(f) << f.message();
  ASSERT_TRUE(f->write(std::string_view("new")));
  ASSERT_TRUE(f->commit());
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(test::read_file(target), "new");
  EXPECT_EQ(mode_of(target), 0640u);  // the replaced file's mode
  EXPECT_EQ(entries(dir.path()), 2u);
}

TEST(DumpFile, ASymlinkToNothingIsRefused) {
  test::TempDir dir;
  std::string link = dir.path() + "/link";
  ASSERT_EQ(symlink((dir.path() + "/nothing").c_str(), link.c_str()), 0);
  auto f = DumpFile::at(link);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.message(), link + " is a symbolic link to nothing; not followed");
  EXPECT_FALSE(fs::exists(dir.path() + "/nothing"));
}

TEST(DumpFile, RootReplacingAnotherUsersFileLeavesItTheirs) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  test::TempDir dir;
  std::string path = dir.path() + "/theirs";
  test::write_file(path, "old");
  ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
  auto f = DumpFile::at(path);
  ASSERT_TRUE(f) << f.message();
  ASSERT_TRUE(f->write(std::string_view("new")));
  ASSERT_TRUE(f->commit());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(test::read_file(path), "new");
}

TEST(DumpFile, AFileSwappedInMeanwhileIsNotOverwritten) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  test::write_file(path, "old");
  auto f = DumpFile::at(path);
  ASSERT_TRUE(f) << f.message();
  ASSERT_TRUE(f->write(std::string_view("new")));
  test::write_file(dir.path() + "/other", "someone else's");
  ASSERT_EQ(rename((dir.path() + "/other").c_str(), path.c_str()), 0);
  auto s = f->commit();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), path + " was replaced by someone else while the data arrived; not overwritten");
  EXPECT_EQ(test::read_file(path), "someone else's");
}

TEST(DumpFile, ANewFileDoesNotReplaceWhatAppearedMeanwhile) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  auto f = DumpFile::at(path);
  ASSERT_TRUE(f) << f.message();
  ASSERT_TRUE(f->write(std::string_view("new")));
  test::write_file(path, "appeared");
  auto s = f->commit();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), path + " appeared while the data arrived; not overwritten");
  EXPECT_EQ(test::read_file(path), "appeared");
}

TEST(DumpFile, UnwritableDirectoryIsAnError) {
  auto f = DumpFile::at("/proc/no-such-dir/out");
  ASSERT_FALSE(f);
  EXPECT_THAT(f.message(), ::testing::HasSubstr("create /proc/no-such-dir/out.part"));
  auto d = DumpFile::at("/tmp");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.message(), "cannot write to /tmp: it is a directory");
}

TEST(FindInPath, FindsExecutablesOnly) {
  test::TempDir dir;
  test::write_file(dir.path() + "/plain", "x");
  test::write_file(dir.path() + "/tool", "#!/bin/sh\n");
  chmod((dir.path() + "/tool").c_str(), 0755);
  std::string old = getenv("PATH") ? getenv("PATH") : "";
  setenv("PATH", ("/nonexistent:" + dir.path()).c_str(), 1);
  auto tool = find_in_path("tool");
  auto plain = find_in_path("plain");
  setenv("PATH", old.c_str(), 1);
  EXPECT_EQ(tool, dir.path() + "/tool");
  EXPECT_EQ(plain, std::nullopt);
}

TEST(RunAttached, ReturnsTheExitCode) {
  auto rc = run_attached({"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(rc) << rc.message();
  EXPECT_EQ(*rc, 3);
  EXPECT_FALSE(run_attached({"/nonexistent/viewer"}));
}

}  // namespace
}  // namespace gops::client
