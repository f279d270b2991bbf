// CPack's .deb: built from the build tree, unpacked with dpkg -x into a
// fresh directory (no root, no dpkg database), and run from there.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "package_support.hpp"

namespace gops::test::package {
namespace {

namespace fs = std::filesystem;

std::string control_field(const std::string& deb, const std::string& field) {
  RunResult r = run({"dpkg-deb", "-f", deb, field});
  return r.exit_code == 0 ? r.out : "<dpkg-deb -f failed: " + r.err + ">";
}

TEST(PackageDeb, UnpackedDebRunsGopsAndHoldsEveryPart) {
  TempDir dir;
  RunResult pack = run({cpack(), "-G", "DEB", "--config", binary_dir() + "/CPackConfig.cmake", "-B", dir.path() + "/out"},
                       {}, std::chrono::seconds(120));
  ASSERT_EQ(pack.exit_code, 0) << pack.out << pack.err;
  std::vector<std::string> debs;
  for (const auto& entry : fs::directory_iterator(dir.path() + "/out")) {
    if (entry.path().extension() == ".deb") debs.push_back(entry.path().string());
  }
  ASSERT_EQ(debs.size(), 1u) << pack.out;
  const std::string& deb = debs.front();

  EXPECT_EQ(control_field(deb, "Package"), "gops\n");
  EXPECT_EQ(control_field(deb, "Version"), version() + "\n");
  EXPECT_NE(control_field(deb, "Maintainer").find('@'), std::string::npos);
  // dpkg-shlibdeps found what gops links dynamically.
  EXPECT_NE(control_field(deb, "Depends").find("libc6 (>="), std::string::npos) << control_field(deb, "Depends");
  // And what gops loads on first use and the agent at run time, which
  // dpkg-shlibdeps cannot see.
  for (const char* lib : {"libdw1", "libelf1", "libdeflate0", "libzydis4.0", "libunwind8"})
    EXPECT_NE(control_field(deb, "Depends").find(lib), std::string::npos) << lib << ": " << control_field(deb, "Depends");

  std::string root = dir.path() + "/root";
  RunResult unpack = run({"dpkg-deb", "-x", deb, root});
  ASSERT_EQ(unpack.exit_code, 0) << unpack.err;
  RunResult v = run({root + "/usr/bin/gops", "--version"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(v.out, "gops " + version() + "\n");

  for (const char* rel : {"usr/share/man/man1/gops.1", "usr/share/bash-completion/completions/gops",
                          "usr/share/zsh/vendor-completions/_gops", "usr/share/fish/vendor_completions.d/gops.fish",
                          "usr/lib/libgops_agent.a", "usr/include/gops/agent.hpp", "usr/lib/cmake/gops/gopsConfig.cmake",
                          "usr/lib/pkgconfig/gops-agent.pc", "usr/lib/libgops_agent.so", "usr/lib/libgops_heap_sampler.so"}) {
    EXPECT_TRUE(fs::is_regular_file(root + "/" + rel)) << rel;
  }
  EXPECT_EQ(read_file(root + "/usr/share/man/man1/gops.1"), read_file(source_dir() + "/docs/gops.1"));
  EXPECT_NE(read_file(root + "/usr/share/bash-completion/completions/gops").find("complete"), std::string::npos);

  // The .pc file finds its prefix from where it lies, wherever the tree is;
  // the archive, stripped of its debug info by CPack, still links.
  RunResult compile = build_with_pkg_config(root + "/usr/lib/pkgconfig", dir.path() + "/consumer");
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  EXPECT_NE(compile.out.find("-I" + root + "/usr/"), std::string::npos) << compile.out;
  Child consumer = start_consumer(dir.path() + "/consumer", "deb-consumer", dir.path() + "/config");
  RunResult answer = run({root + "/usr/bin/gops", "version", std::to_string(consumer.pid())},
                         {{"GOPS_CONFIG_DIR", dir.path() + "/config"}}, std::chrono::seconds(30));
  EXPECT_EQ(answer.exit_code, 0) << answer.err;
  EXPECT_NE(answer.out.find("program: deb-consumer\n"), std::string::npos) << answer.out;

  // The README's line, with the .deb's paths: the heap sampler and the
  // agent preloaded into a program without any gops code.
  std::string lib = root + "/usr/lib/";
  std::string config = dir.path() + "/config-preload";
  fs::create_directories(config);
  Child sleeper = Child::spawn({"sleep", "600"}, {{"LD_PRELOAD", lib + "libgops_heap_sampler.so " + lib + "libgops_agent.so"},
                                                  {"GOPS_CONFIG_DIR", config}});
  std::string pid = std::to_string(sleeper.pid());
  ASSERT_TRUE(eventually([&] { return fs::exists(config + "/" + pid); })) << "no port file from the preloaded agent";
  RunResult memstats = run({root + "/usr/bin/gops", "memstats", pid}, {{"GOPS_CONFIG_DIR", config}},
                           std::chrono::seconds(30));
  EXPECT_EQ(memstats.exit_code, 0) << memstats.err;
  EXPECT_NE(memstats.out.find("heap-sampler-alloc-calls: "), std::string::npos) << memstats.out;
}

}  // namespace
}  // namespace gops::test::package
