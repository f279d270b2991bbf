// The CLI's cache of inflated debug files (src/symbolize/debug_cache.hpp)
// in real directories: an entry found again with the same bytes, missed
// once its source changes; nothing used or written through a symlink, in
// a directory others may write to, or in another user's tree; the least
// recently used entries removed to make room.
#include "symbolize/debug_cache.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "support/process.hpp"

namespace gops::test {
namespace {

using symbolize::DebugCache;

// An ELF-looking payload of `size` bytes in a memfd, as the inflater
// leaves its copies.
int payload(std::size_t size, char fill) {
  int fd = ::memfd_create("payload", MFD_CLOEXEC);
  std::string bytes(size, fill);
  bytes.replace(0, 4, "\x7f" "ELF");
  EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  return fd;
}

std::string contents(int fd) {
  struct stat st {};
  ::fstat(fd, &st);
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  EXPECT_EQ(::pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  return out;
}

// A source file whose fstat names an entry.
struct stat source_stat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

class DebugCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = dir_.path() + "/libsource.so.debug";
    write_file(source_, "compressed");
  }
  std::string debug_dir() const { return dir_.path() + "/gops/debug"; }

  TempDir dir_;
  std::string source_;
};

TEST_F(DebugCacheTest, AStoredCopyIsFoundWithItsBytesAndMissedOnceTheSourceChanges) {
  auto cache = DebugCache::open_under(dir_.path());
  ASSERT_NE(cache, nullptr);
  struct stat st = source_stat(source_);
  EXPECT_EQ(cache->find(st), -1) << "empty cache";
  int copy = payload(100000, 'a');
  cache->store(st, copy, 100000);
  int hit = cache->find(st);
  ASSERT_GE(hit, 0);
  EXPECT_EQ(contents(hit), contents(copy));
  struct stat entry {};
  ASSERT_EQ(::fstat(hit, &entry), 0);
  EXPECT_EQ(entry.st_mode & 0777, 0600u);
  ::close(hit);
  ::close(copy);

  // The source replaced (a package upgrade): its identity differs.
  write_file(source_, "compressed, newer");
  timespec later[2] = {{0, UTIME_OMIT}, {st.st_mtim.tv_sec + 10, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, source_.c_str(), later, 0), 0);
  EXPECT_EQ(cache->find(source_stat(source_)), -1);
}

TEST_F(DebugCacheTest, ASymlinkOrAForeignFileInPlaceOfAnEntryIsNotUsed) {
  auto cache = DebugCache::open_under(dir_.path());
  ASSERT_NE(cache, nullptr);
  struct stat st = source_stat(source_);
  int copy = payload(4096, 'b');
  cache->store(st, copy, 4096);
  ::close(copy);
  std::string entry;
  for (const std::string& line : split_lines(run({"ls", debug_dir()}).out))
    if (!line.empty()) entry = debug_dir() + "/" + line;
  ASSERT_FALSE(entry.empty());

  // A symlink to a readable ELF file elsewhere: not followed.
  std::string elsewhere = dir_.path() + "/elsewhere";
  write_file(elsewhere, std::string("\x7f" "ELF", 4) + std::string(100, 'x'));
  ASSERT_EQ(::unlink(entry.c_str()), 0);
  ASSERT_EQ(::symlink(elsewhere.c_str(), entry.c_str()), 0);
  EXPECT_EQ(cache->find(st), -1);

  // A hard link (two links): not ours alone.
  ASSERT_EQ(::unlink(entry.c_str()), 0);
  ASSERT_EQ(::chmod(elsewhere.c_str(), 0600), 0);
  ASSERT_EQ(::link(elsewhere.c_str(), entry.c_str()), 0);
  EXPECT_EQ(cache->find(st), -1);

  // Readable by others: not one we wrote.
  ASSERT_EQ(::unlink(entry.c_str()), 0);
  write_file(entry, std::string("\x7f" "ELF", 4) + std::string(100, 'y'));
  ASSERT_EQ(::chmod(entry.c_str(), 0644), 0);
  EXPECT_EQ(cache->find(st), -1);
}

TEST_F(DebugCacheTest, NoCacheWhereOthersMayWriteOrThroughASymlink) {
  ASSERT_NE(DebugCache::open_under(dir_.path()), nullptr);
  ASSERT_EQ(::chmod(debug_dir().c_str(), 0777), 0);
  EXPECT_EQ(DebugCache::open_under(dir_.path()), nullptr) << "a world-writable cache dir";
  ASSERT_EQ(::chmod(debug_dir().c_str(), 0700), 0);

  TempDir other;
  ASSERT_EQ(::rename((dir_.path() + "/gops").c_str(), (other.path() + "/gops").c_str()), 0);
  ASSERT_EQ(::symlink((other.path() + "/gops").c_str(), (dir_.path() + "/gops").c_str()), 0);
  EXPECT_EQ(DebugCache::open_under(dir_.path()), nullptr) << "gops/ a symlink";
}

TEST_F(DebugCacheTest, AnotherUsersTreeIsNotUsed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to hand the directory to another user (CI runs as root)";
  ASSERT_NE(DebugCache::open_under(dir_.path()), nullptr);
  ASSERT_EQ(::chown(debug_dir().c_str(), 65534, 65534), 0);
  EXPECT_EQ(DebugCache::open_under(dir_.path()), nullptr) << "root must not write into a tree it does not own";
}

TEST_F(DebugCacheTest, TheLeastRecentlyUsedEntriesMakeRoom) {
  auto cache = DebugCache::open_under(dir_.path(), 30000, 3);
  ASSERT_NE(cache, nullptr);
  std::vector<struct stat> sources;
  for (int i = 0; i < 3; ++i) {
    std::string path = dir_.path() + "/source" + std::to_string(i);
    write_file(path, "x");
    sources.push_back(source_stat(path));
    int copy = payload(8000, static_cast<char>('a' + i));
    cache->store(sources.back(), copy, 8000);
    ::close(copy);
    // Distinct use times, oldest first.
    int entry = cache->find(sources.back());
    ASSERT_GE(entry, 0);
    timespec used[2] = {{0, UTIME_OMIT}, {1000000 + i, 0}};
    ASSERT_EQ(::futimens(entry, used), 0);
    ::close(entry);
  }
  // A fourth entry: over the count, so the least recently used one goes.
  std::string path = dir_.path() + "/source3";
  write_file(path, "x");
  int copy = payload(8000, 'd');
  cache->store(source_stat(path), copy, 8000);
  ::close(copy);
  EXPECT_EQ(cache->find(sources[0]), -1);
  for (int i = 1; i < 3; ++i) {
    int entry = cache->find(sources[i]);
    EXPECT_GE(entry, 0) << i;
    if (entry >= 0) ::close(entry);
  }
  // Larger than half the bound: not kept at all.
  copy = payload(20000, 'e');
  write_file(path, "xy");
  cache->store(source_stat(path), copy, 20000);
  ::close(copy);
  EXPECT_EQ(cache->find(source_stat(path)), -1);
}

}  // namespace
}  // namespace gops::test
