#include "client/dump_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

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

TEST(DumpFile, UnwritableDirectoryIsAnError) {
  auto f = DumpFile::at("/proc/no-such-dir/out");
  ASSERT_FALSE(f);
  EXPECT_THAT(f.message(), ::testing::HasSubstr("create /proc/no-such-dir/out.part"));
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
