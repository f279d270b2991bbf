// The runtime's globals as gops finds them without symbols (by decoding
// the runtime functions that use them) must be where the symbol table of
// the same, unstripped binary says they are, for every Go release built
// here: Debian's 1.19 and the fetched toolchains.
#include <gtest/gtest.h>

#include "binfmt/file_image.hpp"
#include "binfmt/image.hpp"
#include "support/go_target.hpp"
#include "goruntime/go_process.hpp"

namespace gops::test {
namespace {

class RuntimeVarsVsSymbols : public ::testing::TestWithParam<std::string> {};

TEST_P(RuntimeVarsVsSymbols, EveryGlobalWhereTheSymbolTableSays) {
  std::string binary = goroutines_binary(GetParam());
  auto t = GoTarget::start({binary}, {{"PARKED", "1"}});
  ASSERT_TRUE(t.started());
  auto process = goruntime::GoProcess::open(t.pid());
  ASSERT_TRUE(process.ok()) << process.message();
  const auto& vars = (*process)->vars();

  auto file = binfmt::FileImage::open(binary);
  ASSERT_TRUE(file.ok());
  auto image = binfmt::read_elf((*file)->view());
  ASSERT_TRUE(image.ok() && image->find_symbol);
  auto symbol = [&](std::string_view name) { return image->find_symbol(name).value_or(0); };

  auto allgs = vars.allgs();
  ASSERT_TRUE(allgs.ok()) << allgs.message();
  EXPECT_EQ(*allgs, symbol("runtime.allgs"));
  auto gomaxprocs = vars.gomaxprocs();
  ASSERT_TRUE(gomaxprocs.ok()) << gomaxprocs.message();
  EXPECT_EQ(*gomaxprocs, symbol("runtime.gomaxprocs"));
  auto ncpu = vars.ncpu();
  ASSERT_TRUE(ncpu.ok()) << ncpu.message();
  EXPECT_EQ(*ncpu, (*process)->release().minor >= 25 ? symbol("runtime.numCPUStartup") : symbol("runtime.ncpu"));
  auto version = vars.build_version();
  ASSERT_TRUE(version.ok()) << version.message();
  EXPECT_EQ(*version, symbol("runtime.buildVersion"));
}

std::vector<std::string> unstripped() {
  std::vector<std::string> v{""};
  for (const auto& r : toolchain_releases()) v.push_back(r);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Releases, RuntimeVarsVsSymbols, ::testing::ValuesIn(unstripped()), [](const auto& test) {
  std::string n = test.param.empty() ? "go1_19" : test.param;
  for (char& c : n)
    if (c == '.') c = '_';
  return n;
});

}  // namespace
}  // namespace gops::test
