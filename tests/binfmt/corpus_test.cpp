// Real Go binaries from other toolchains (esbuild releases on npm, fetched by
// scripts/fetch-go-corpus.sh): pointer form (Go 1.17) and inline form
// (Go 1.23), ELF 32/64 little and big endian, Mach-O, PE32 and PE32+. Each
// must read exactly as Go 1.19's `go version -m` reads it.
#include <gtest/gtest.h>

#include "binfmt/go_info.hpp"
#include "binfmt/test_binaries.hpp"

namespace gops::binfmt {
namespace {

class Corpus : public ::testing::TestWithParam<test::CorpusEntry> {
 protected:
  void SetUp() override {
    if (auto why = test::corpus_missing_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(Corpus, ReadsAsGoVersionM) {
  const auto& e = GetParam();
  std::string want = test::go_version_m(e.path);
  ASSERT_FALSE(want.empty()) << "go version -m rejected " << e.path;
  auto info = read_go_info_file(e.path);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->go_version, e.go_version) << "the manifest records the Go that built it";
  EXPECT_EQ(format_version_m(e.path, *info), want);
}

TEST_P(Corpus, ReadsFromMemoryAsFromFile) {
  const auto& e = GetParam();
  auto bytes = test::read_bytes(e.path);
  auto mem = read_go_info(bytes);
  auto file = inspect_executable(e.path, true);
  ASSERT_TRUE(mem.ok()) << mem.message();
  ASSERT_TRUE(file.ok() && file->go) << e.path;
  EXPECT_EQ(mem->go_version, file->go->go_version);
  EXPECT_EQ(mem->module_info, file->go->module_info);
  EXPECT_NE(mem->module_info.find("path\tgithub.com/evanw/esbuild/cmd/esbuild\n"), std::string::npos);
}

std::string entry_name(const ::testing::TestParamInfo<test::CorpusEntry>& p) {
  std::string n = p.param.name;
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Esbuild, Corpus, ::testing::ValuesIn(test::corpus_manifest()), entry_name);

TEST(CorpusManifest, CoversEveryFormAndFormat) {
  auto entries = test::corpus_manifest();
  auto has = [&](std::string_view form, std::string_view format) {
    for (const auto& e : entries)
      if (e.form == form && e.format == format) return true;
    return false;
  };
  for (std::string_view form : {"pointer", "inline"})
    for (std::string_view format : {"elf64-le", "elf32-le", "elf64-be", "macho64", "pe32+", "pe32"})
      EXPECT_TRUE(has(form, format)) << form << " " << format;
}

}  // namespace
}  // namespace gops::binfmt
