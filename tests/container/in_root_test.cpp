// Lookups inside a planted tree that stands for a container's root: the
// kernel's openat2(RESOLVE_IN_ROOT) and our own walk must agree, and
// neither may leave the root.
#include "container/in_root.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "support/process.hpp"

namespace gops::container {
namespace {

struct Identity {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const Identity&) const = default;
};

Identity identity_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return {st.st_dev, st.st_ino};
}

Identity identity_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return {st.st_dev, st.st_ino};
}

class InRoot : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    fs::create_directories(root_ + "/a/b");
    fs::create_directory_symlink("/a", root_ + "/abs");              // absolute: the root's /a
    fs::create_directory_symlink("../../../../../a", root_ + "/up");  // climbs: stops at the root
    fs::create_directory_symlink("b", root_ + "/a/rel");
    fs::create_directory_symlink("..", root_ + "/a/b/parent");
    fs::create_symlink("loop2", root_ + "/loop1");
    fs::create_symlink("loop1", root_ + "/loop2");
    fs::create_symlink("/etc", root_ + "/escape");  // the host's /etc, were it followed
    test::write_file(root_ + "/file", "x");
    ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0600), 0);
    fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
    OpenedDir probe = open_dir_in_root(fd_, "a", Resolver::kOpenat2);
    if (GetParam() == Resolver::kOpenat2 && probe.error == ENOSYS) GTEST_SKIP() << "no openat2 in this kernel";
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenedDir open(const std::string& path) { return open_dir_in_root(fd_, path, GetParam()); }
  void expect_dir(const std::string& path, const std::string& inside) {
    OpenedDir d = open(path);
    ASSERT_EQ(d.error, 0) << path << ": " << std::strerror(d.error);
    EXPECT_EQ(identity_of(d.fd.get()), identity_of(root_ + inside)) << path;
  }
  void expect_error(const std::string& path, int err) {
    OpenedDir d = open(path);
    EXPECT_EQ(d.error, err) << path << ": " << std::strerror(d.error);
    EXPECT_LT(d.fd.get(), 0);
  }

  test::TempDir dir_;
  std::string root_ = dir_.path();
  int fd_ = -1;
};

TEST_P(InRoot, PlainPaths) {
  expect_dir("/", "");
  expect_dir("a/b", "/a/b");
  expect_dir("//a///b/./", "/a/b");
  expect_error("", ENOENT);
  expect_error("/missing/x", ENOENT);
}

TEST_P(InRoot, SymlinksStayInside) {
  expect_dir("/abs/b", "/a/b");
  expect_dir("/up/b", "/a/b");
  expect_dir("/a/rel", "/a/b");
  expect_dir("/a/b/parent/b", "/a/b");
  expect_dir("/../../..", "");
  // On the host /etc exists; inside this root it does not.
  expect_error("/escape", ENOENT);
}

TEST_P(InRoot, LoopsFilesAndFifos) {
  expect_error("/loop1", ELOOP);
  expect_error("/file", ENOTDIR);
  expect_error("/file/x", ENOTDIR);
  expect_error("/fifo", ENOTDIR);  // looked at, never opened: no hang
}

TEST_P(InRoot, MagicLinksDoNotLeadOut) {
  // /proc/self/root is a magic link to our "/": inside a root that is
  // /proc/self, the kernel refuses it and the walk reads it as "/", the
  // root given. Neither reaches the host's /etc.
  int proc_self = ::open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(proc_self, 0);
  OpenedDir d = open_dir_in_root(proc_self, "root/etc", GetParam());
  EXPECT_NE(d.error, 0);
  if (GetParam() == Resolver::kOpenat2) {
    EXPECT_EQ(d.error, ELOOP);
  }
  ::close(proc_self);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, InRoot, ::testing::Values(Resolver::kOpenat2, Resolver::kWalk),
                         [](const auto& p) { return p.param == Resolver::kWalk ? "Walk" : "Openat2"; });

}  // namespace
}  // namespace gops::container
