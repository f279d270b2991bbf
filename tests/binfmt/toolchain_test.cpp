// The toolchain of non-Go binaries, on programs compiled here and now with
// Debian's g++ and clang++ (each also carries glibc's GCC start-file entry).
#include "binfmt/toolchain.hpp"

#include <gtest/gtest.h>

#include "binfmt/go_info.hpp"
#include "support/process.hpp"

namespace gops::binfmt {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Compiles a small C++ program with `compiler`; returns its path.
std::string compile(const std::string& compiler, const gops::test::TempDir& dir, const std::string& name) {
  std::string src = dir.path() + "/hello.cpp", out = dir.path() + "/" + name;
  gops::test::write_file(src, "#include <cstdio>\nint main() { std::puts(\"hello\"); }\n");
  auto r = gops::test::run({compiler, "-O1", "-o", out, src});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

TEST(Toolchain, GccProgram) {
  gops::test::TempDir dir;
  std::string bin = compile("g++", dir, "gcc-built");
  std::string version = trimmed(gops::test::run({"g++", "-dumpfullversion"}).out);
  ASSERT_FALSE(version.empty());
  auto info = inspect_executable(bin, true);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(info->go.has_value());
  EXPECT_EQ(info->toolchain, "gcc" + version);
  // Not asked: not looked up.
  auto quick = inspect_executable(bin, false);
  ASSERT_TRUE(quick.ok());
  EXPECT_FALSE(quick->toolchain.has_value());
}

TEST(Toolchain, ClangProgramIsClangNotItsLibcsGcc) {
  gops::test::TempDir dir;
  std::string bin = compile("clang++", dir, "clang-built");
  std::string version = trimmed(gops::test::run({"clang++", "-dumpversion"}).out);
  ASSERT_FALSE(version.empty());
  auto info = inspect_executable(bin, true);
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->toolchain, "clang" + version);
}

TEST(Toolchain, NoCommentNoToolchain) {
  auto info = inspect_executable("/bin/ls", true);  // Debian strips .comment
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->toolchain.has_value());
}

TEST(Toolchain, CommentEntries) {
  EXPECT_EQ(compiler_of_comment("GCC: (Debian 12.2.0-14) 12.2.0"), "gcc12.2.0");
  EXPECT_EQ(compiler_of_comment("GCC: (GNU) 13.2.1 20230801"), "gcc13.2.1");
  EXPECT_EQ(compiler_of_comment("GCC: (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0"), "gcc11.4.0");
  EXPECT_EQ(compiler_of_comment("Debian clang version 14.0.6"), "clang14.0.6");
  EXPECT_EQ(compiler_of_comment("Ubuntu clang version 14.0.0-1ubuntu1.1"), "clang14.0.0");
  EXPECT_EQ(compiler_of_comment("clang version 17.0.6 (https://github.com/llvm/llvm-project 6009708b)"), "clang17.0.6");
  EXPECT_EQ(compiler_of_comment("rustc version 1.70.0 (90c541806 2023-05-31)"), "rustc1.70.0");
  EXPECT_FALSE(compiler_of_comment("Linker: LLD 14.0.6").has_value());
  EXPECT_FALSE(compiler_of_comment("GCC: (broken").has_value());
  EXPECT_FALSE(compiler_of_comment("").has_value());
}

}  // namespace
}  // namespace gops::binfmt
