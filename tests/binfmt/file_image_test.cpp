// FileImage: a file's bytes read on demand into an arena the thread reuses.
// Every view must hold the file's bytes for as long as its image lives,
// however many ranges are read after it, and whatever other image the
// thread opens at the same time or next.
#include "binfmt/file_image.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "support/process.hpp"

namespace gops::binfmt {
namespace {

namespace fs = std::filesystem;

// A file of `size` bytes whose every byte says where it is.
std::string patterned(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + seed + i / 4096) & 0xff);
  return s;
}

std::unique_ptr<FileImage> open_image(const std::string& path) {
  auto f = FileImage::open(path);
  EXPECT_TRUE(f.ok()) << f.message();
  return f.ok() ? std::move(*f) : nullptr;
}

bool same(const ByteView& v, const std::string& file, std::uint64_t offset) {
  return v.chars() == std::string_view(file).substr(offset, v.size());
}

TEST(FileImage, EveryViewKeepsItsBytesWhileTheImageLives) {
  test::TempDir dir;
  const std::string path = dir.path() + "/f";
  const std::string content = patterned(3 * 1024 * 1024 + 123, 7);  // more than an arena block
  test::write_file(path, content);
  auto image = open_image(path);
  ASSERT_TRUE(image);
  const ByteView file = image->view();
  ASSERT_EQ(file.size(), content.size());

  std::mt19937_64 rng(42);
  struct Seen {
    std::uint64_t offset;
    ByteView view;
  };
  std::vector<Seen> seen;
  for (int i = 0; i < 400; ++i) {
    // Mostly small reads, some spanning pages, a few larger than a block.
    const std::uint64_t length = i % 50 == 0 ? 300 * 1024 + rng() % 4096 : i % 7 == 0 ? 9000 : 1 + rng() % 200;
    const std::uint64_t offset = rng() % (content.size() - length + 1);
    auto v = file.sub(offset, length);
    ASSERT_TRUE(v.has_value()) << offset << "+" << length;
    ASSERT_EQ(v->size(), length);
    ASSERT_TRUE(same(*v, content, offset)) << offset << "+" << length;
    seen.push_back({offset, *v});
  }
  for (const auto& s : seen) EXPECT_TRUE(same(s.view, content, s.offset)) << s.offset;
  // The last byte, an empty range at the end, and nothing past it.
  auto last = file.read<std::uint8_t>(content.size() - 1, Endian::kLittle);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, static_cast<std::uint8_t>(content.back()));
  EXPECT_TRUE(file.sub(content.size(), 0).has_value());
  EXPECT_FALSE(file.sub(content.size() - 1, 2).has_value());
}

TEST(FileImage, TwoImagesAtOnceAndOneAfterAnother) {
  test::TempDir dir;
  const std::string a = patterned(200 * 1024, 1), b = patterned(90 * 1024, 2);
  test::write_file(dir.path() + "/a", a);
  test::write_file(dir.path() + "/b", b);
  auto first = open_image(dir.path() + "/a");
  auto second = open_image(dir.path() + "/b");  // the thread's arena is taken: its own
  ASSERT_TRUE(first && second);
  auto va = first->view().sub(70000, 5000);
  auto vb = second->view().sub(70000, 5000);
  auto va2 = first->view().sub(150000, 40000);
  ASSERT_TRUE(va && vb && va2);
  EXPECT_TRUE(same(*va, a, 70000));
  EXPECT_TRUE(same(*vb, b, 70000));
  EXPECT_TRUE(same(*va2, a, 150000));
  second.reset();
  EXPECT_TRUE(same(*va, a, 70000));
  first.reset();
  // The next image reuses the thread's arena: it must read its own bytes.
  auto again = open_image(dir.path() + "/b");
  ASSERT_TRUE(again);
  auto v = again->view().sub(70000, 5000);
  ASSERT_TRUE(v);
  EXPECT_TRUE(same(*v, b, 70000));
}

TEST(FileImage, AFileThatShrinksUnderItFailsToReadThePartGone) {
  test::TempDir dir;
  const std::string path = dir.path() + "/f";
  const std::string content = patterned(64 * 1024, 3);
  test::write_file(path, content);
  auto image = open_image(path);
  ASSERT_TRUE(image);
  auto head = image->view().sub(0, 100);
  ASSERT_TRUE(head);
  fs::resize_file(path, 8192);
  EXPECT_FALSE(image->view().sub(60000, 100).has_value());
  EXPECT_TRUE(same(*head, content, 0));  // what was read stays
}

TEST(FileImage, OnlyRegularFilesOpen) {
  EXPECT_EQ(FileImage::open("/nonexistent/x").message(), "open /nonexistent/x: no such file or directory");
  EXPECT_EQ(FileImage::open("/tmp").message(), "/tmp: not a regular file");
}

}  // namespace
}  // namespace gops::binfmt
