// Each reader on real binaries: /bin/ls, the Go test programs, and the
// corpus (32-bit, big-endian, Mach-O, PE), plus the pre-Go 1.13 fallbacks
// on real Go binaries whose blob we erase.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "binfmt/go_buildinfo.hpp"
#include "binfmt/go_info.hpp"
#include "binfmt/image.hpp"
#include "binfmt/test_binaries.hpp"
#include "support/process.hpp"

namespace gops::binfmt {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::string corpus(const std::string& name) { return test::corpus_dir() + "/" + name; }

#define SKIP_WITHOUT_CORPUS()                                                  \
  do {                                                                         \
    if (auto why = test::corpus_missing_reason(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

TEST(ElfReader, ReadsBinLs) {
  Bytes bytes = test::read_bytes("/bin/ls");
  auto img = read_image(ByteView(bytes));
  ASSERT_TRUE(img.ok()) << img.message();
  EXPECT_EQ(img->format, Format::kElf);
  EXPECT_EQ(img->ptr_size, sizeof(void*));
  EXPECT_EQ(img->endian, Endian::kLittle);
  const Section* text = img->section(".text");
  ASSERT_NE(text, nullptr);
  EXPECT_FALSE(text->writable);
  const Section* data = img->section(".data");
  ASSERT_NE(data, nullptr);
  EXPECT_TRUE(data->writable);
  EXPECT_FALSE(img->has_go_sections);
  ASSERT_TRUE(img->data_start.has_value());
  // The bytes at .text's address are .text's bytes in the file.
  auto at = img->read_at(text->vaddr, 16);
  ASSERT_TRUE(at.has_value());
  EXPECT_TRUE(std::equal(at->data(), at->data() + 16, bytes.data() + text->offset));
  EXPECT_FALSE(img->read_at(0xffffffffffff0000ull, 1).has_value());
}

TEST(ElfReader, NonGoIsNotAGoExecutable) {
  auto info = read_go_info_file("/bin/ls");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.message(), kNotGoExecutable);
  auto listed = inspect_executable("/bin/ls", false);
  ASSERT_TRUE(listed.ok());
  EXPECT_FALSE(listed->go.has_value());
}

TEST(Readers, OtherFilesAreUnrecognized) {
  gops::test::TempDir dir;
  gops::test::write_file(dir.path() + "/script", "#!/bin/sh\necho this is not a binary at all\n");
  auto info = read_go_info_file(dir.path() + "/script");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.message(), kUnrecognizedFormat);
  auto missing = read_go_info_file(dir.path() + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(), "open " + dir.path() + "/nope: no such file or directory");
  EXPECT_FALSE(read_go_info_file(dir.path()).ok());  // a directory
  gops::test::write_file(dir.path() + "/empty", "");
  EXPECT_FALSE(read_go_info_file(dir.path() + "/empty").ok());
}

TEST(ElfReader, ReadsGoSectionsAndSymbols) {
  Bytes bytes = test::read_bytes(gops::test::go_bin("buildinfo_plain"));
  auto img = read_image(ByteView(bytes));
  ASSERT_TRUE(img.ok()) << img.message();
  EXPECT_TRUE(img->has_go_sections);
  const Section* bi = img->section(".go.buildinfo");
  ASSERT_NE(bi, nullptr);
  EXPECT_EQ(img->data_start, bi->vaddr);
  ASSERT_TRUE(img->find_symbol);
  EXPECT_TRUE(img->find_symbol("runtime.buildVersion").has_value());
  EXPECT_FALSE(img->find_symbol("no.such.symbol").has_value());
}

TEST(ElfReader, Reads32BitAndBigEndian) {
  SKIP_WITHOUT_CORPUS();
  for (auto [name, ptr, endian] : {std::tuple{"esbuild-0.14.10-linux-ia32", 4u, Endian::kLittle},
                                   std::tuple{"esbuild-0.25.0-linux-s390x", 8u, Endian::kBig},
                                   std::tuple{"esbuild-0.14.10-linux-s390x", 8u, Endian::kBig}}) {
    Bytes bytes = test::read_bytes(corpus(name));
    auto img = read_image(ByteView(bytes));
    ASSERT_TRUE(img.ok()) << name << ": " << img.message();
    EXPECT_EQ(img->ptr_size, ptr) << name;
    EXPECT_EQ(img->endian, endian) << name;
    ASSERT_NE(img->section(".go.buildinfo"), nullptr) << name;
    // The section's address maps back to its own file offset.
    const Section* bi = img->section(".go.buildinfo");
    auto at = img->read_at(bi->vaddr, 14);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(at->chars(), "\xff Go buildinf:");
    EXPECT_EQ(at->data(), bytes.data() + bi->offset);
  }
}

TEST(MachOReader, ReadsSegmentsAndGoSections) {
  SKIP_WITHOUT_CORPUS();
  for (const char* name : {"esbuild-0.14.10-darwin-x64", "esbuild-0.25.0-darwin-arm64"}) {
    Bytes bytes = test::read_bytes(corpus(name));
    auto img = read_image(ByteView(bytes));
    ASSERT_TRUE(img.ok()) << name << ": " << img.message();
    EXPECT_EQ(img->format, Format::kMachO);
    EXPECT_EQ(img->ptr_size, 8u);
    EXPECT_TRUE(img->has_go_sections);
    ASSERT_NE(img->section("__text"), nullptr);
    const Section* bi = img->section("__go_buildinfo");
    ASSERT_NE(bi, nullptr) << name;
    EXPECT_TRUE(bi->writable);
    EXPECT_EQ(img->data_start, bi->vaddr);
  }
}

// A universal binary made of two real thin ones: the first arch is read.
TEST(MachOReader, UniversalBinaryReadsTheFirstArch) {
  SKIP_WITHOUT_CORPUS();
  Bytes a = test::read_bytes(corpus("esbuild-0.25.0-darwin-arm64"));
  Bytes b = test::read_bytes(corpus("esbuild-0.14.10-darwin-x64"));
  auto be32 = [](Bytes* out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<std::uint8_t>(v >> s));
  };
  const std::uint32_t align = 1u << 14, off_a = align;
  const std::uint32_t off_b = (off_a + static_cast<std::uint32_t>(a.size()) + align - 1) / align * align;
  Bytes fat;
  be32(&fat, 0xcafebabe);
  be32(&fat, 2);
  for (auto [cpu, off, size] : {std::tuple{0x0100000cu, off_a, a.size()}, std::tuple{0x01000007u, off_b, b.size()}}) {
    be32(&fat, cpu);
    be32(&fat, 0);
    be32(&fat, off);
    be32(&fat, static_cast<std::uint32_t>(size));
    be32(&fat, 14);
  }
  fat.resize(off_a, 0);
  fat.insert(fat.end(), a.begin(), a.end());
  fat.resize(off_b, 0);
  fat.insert(fat.end(), b.begin(), b.end());

  auto info = read_go_info(fat);
  ASSERT_TRUE(info.ok()) << info.message();
  auto thin = read_go_info(a);
  ASSERT_TRUE(thin.ok());
  EXPECT_EQ(info->go_version, "go1.23.5");
  EXPECT_EQ(info->module_info, thin->module_info);

  // A first slice that does not read gives way to the next one.
  Bytes broken = fat;
  std::fill(broken.begin() + off_a, broken.begin() + off_a + 4, 0);
  auto second = read_go_info(broken);
  ASSERT_TRUE(second.ok()) << second.message();
  EXPECT_EQ(second->go_version, "go1.17.5");
}

TEST(PeReader, ReadsPe32AndPe32Plus) {
  SKIP_WITHOUT_CORPUS();
  for (auto [name, ptr] : {std::pair{"esbuild-0.14.10-win32-ia32.exe", 4u}, std::pair{"esbuild-0.25.0-win32-x64.exe", 8u}}) {
    Bytes bytes = test::read_bytes(corpus(name));
    auto img = read_image(ByteView(bytes));
    ASSERT_TRUE(img.ok()) << name << ": " << img.message();
    EXPECT_EQ(img->format, Format::kPe);
    EXPECT_EQ(img->ptr_size, ptr);
    EXPECT_TRUE(img->has_go_sections);
    const Section* data = img->section(".data");
    ASSERT_NE(data, nullptr);
    EXPECT_TRUE(data->writable);
    EXPECT_EQ(img->data_start, data->vaddr);
  }
}

// Erases every build-info magic in a copy of a real Go binary, leaving what
// a pre-Go 1.13 binary has: the runtime.buildVersion symbol (unless
// stripped) and the Go sections.
std::string without_blob(const std::string& path, const gops::test::TempDir& dir) {
  std::string bytes = gops::test::read_file(path);
  const std::string magic = "\xff Go buildinf:";
  for (auto at = bytes.find(magic); at != std::string::npos; at = bytes.find(magic, at)) bytes[at] = 'X';
  std::string out = dir.path() + "/old-go";
  gops::test::write_file(out, bytes);
  return out;
}

TEST(GoBuildInfo, BeforeGo113TheVersionSymbolNamesTheVersion) {
  gops::test::TempDir dir;
  std::string old = without_blob(gops::test::go_bin("buildinfo_plain"), dir);
  auto info = read_go_info_file(old);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->go_version, "go1.19.8");
  EXPECT_EQ(info->module_info, "");
  EXPECT_EQ(format_version_m(old, *info), old + ": go1.19.8\n");
}

TEST(GoBuildInfo, GoSectionsWithoutVersionAreUnknownGo) {
  gops::test::TempDir dir;
  std::string old = without_blob(gops::test::go_bin("buildinfo_stripped"), dir);
  auto info = read_go_info_file(old);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->go_version, kUnknownGoVersion);
  // The blob-only reader, as Go 1.19 itself, calls it not Go.
  Bytes bytes = test::read_bytes(old);
  auto img = read_image(ByteView(bytes));
  ASSERT_TRUE(img.ok());
  auto blob = read_build_info_blob(*img);
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.message(), kNotGoExecutable);
}

}  // namespace
}  // namespace gops::binfmt
