// `cmake --install` into a fresh prefix, then what a user does with it:
// build a program against the installed agent, out of tree, with CMake
// (find_package) and with pkg-config, and diagnose it with the installed
// gops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "package_support.hpp"

namespace gops::test::package {
namespace {

namespace fs = std::filesystem;

class PackageInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    RunResult r = install_into(prefix());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::string prefix() const { return dir_.path() + "/prefix"; }
  std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }

  // `gops version PID` of the installed gops against a consumer built here.
  void expect_consumer_answers(const std::string& exe, const std::string& version, const Env& env = {}) {
    std::string config_dir = path("config-" + version);
    Child consumer = start_consumer(exe, version, config_dir, env);
    RunResult r = run({prefix() + "/bin/gops", "version", std::to_string(consumer.pid())},
                      {{"GOPS_CONFIG_DIR", config_dir}}, std::chrono::seconds(30));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("program: " + version + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("C++ standard: C++17"), std::string::npos) << r.out;
    if (env.count("LD_PRELOAD")) {
      EXPECT_NE(read_file("/proc/" + std::to_string(consumer.pid()) + "/maps").find(env.at("LD_PRELOAD")),
                std::string::npos);
    }
  }

  TempDir dir_;
};

TEST_F(PackageInstall, PutsEveryPartUnderThePrefix) {
  for (const char* rel : {"bin/gops", "lib/libgops_agent.a", "include/gops/agent.hpp", "share/man/man1/gops.1",
                          "lib/cmake/gops/gopsConfig.cmake", "lib/cmake/gops/gopsConfigVersion.cmake",
                          "lib/pkgconfig/gops-agent.pc", "share/bash-completion/completions/gops",
                          "share/zsh/vendor-completions/_gops", "share/fish/vendor_completions.d/gops.fish"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix() + "/" + rel)) << rel;
  }
  for (const char* rel : {"lib/libgops_heap_sampler.a", "lib/libgops_heap_sampler.so", "include/gops_heap_sampler.h",
                          "lib/libgops_agent.so"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix() + "/" + rel)) << rel;
  }
  // The preload exports one symbol: the flag the agent's copies share.
  RunResult preload = run({nm(), "-D", "--defined-only", prefix() + "/lib/libgops_agent.so"});
  ASSERT_EQ(preload.exit_code, 0) << preload.err;
  EXPECT_EQ(split_lines(preload.out).size(), 1u) << preload.out;
  EXPECT_NE(preload.out.find(" gops_agent_owner_v1"), std::string::npos) << preload.out;
  EXPECT_EQ(read_file(prefix() + "/include/gops/agent.hpp"), read_file(source_dir() + "/include/gops/agent.hpp"));
  // The completions are what the gops being installed prints.
  for (auto [shell, rel] : {std::pair{"bash", "share/bash-completion/completions/gops"},
                            std::pair{"zsh", "share/zsh/vendor-completions/_gops"},
                            std::pair{"fish", "share/fish/vendor_completions.d/gops.fish"}}) {
    RunResult expected = run({gops_cli(), "completion", shell});
    ASSERT_EQ(expected.exit_code, 0) << expected.err;
    EXPECT_FALSE(expected.out.empty());
    EXPECT_EQ(read_file(prefix() + "/" + rel), expected.out) << shell;
  }
  RunResult v = run({prefix() + "/bin/gops", "--version"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(v.out, "gops " + version() + "\n");
}

// The installed archive is self-contained: every gops symbol one of its
// members needs is defined by another (the internal libraries were merged in).
TEST_F(PackageInstall, ArchiveDefinesEveryGopsSymbolItUses) {
  RunResult r = run({nm(), "-C", prefix() + "/lib/libgops_agent.a"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> defined, undefined;
  for (const auto& line : split_lines(r.out)) {
    // "<16 hex digits or spaces> <type> <name>"
    if (line.size() < 20 || line[16] != ' ' || line[18] != ' ') continue;
    std::string name = line.substr(19);
    bool ours = name.rfind("gops::", 0) == 0 || name.find(" for gops::") != std::string::npos;
    if (!ours) continue;
    (line[17] == 'U' ? undefined : defined).insert(name);
  }
  EXPECT_TRUE(defined.count("gops::agent::listen(gops::agent::Options const&)")) << r.out.substr(0, 2000);
  std::vector<std::string> missing;
  for (const auto& name : undefined) {
    if (!defined.count(name)) missing.push_back(name);
  }
  EXPECT_TRUE(missing.empty()) << "undefined in libgops_agent.a: " << ::testing::PrintToString(missing);
}

TEST_F(PackageInstall, CMakeConsumerRunsTheAgent) {
  std::string build = path("build-cmake");
  std::vector<std::string> configure_argv{cmake(), "-S", source_dir() + "/tests/package/consumer", "-B", build,
                                          "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                                          "-DCMAKE_CXX_COMPILER=" + cxx(), "-DCMAKE_PREFIX_PATH=" + prefix()};
  // Without the system's pkg-config modules (libdw, libdeflate), the package
  // is not found and says what to install.
  fs::create_directory(path("no-pc"));
  RunResult without = run(configure_argv, {{"PKG_CONFIG_LIBDIR", path("no-pc")}, {"PKG_CONFIG_PATH", ""}});
  EXPECT_NE(without.exit_code, 0) << without.out;
  std::string message;  // CMake wraps the message: one space for each run of blanks
  for (char c : without.err) {
    if (!std::isspace(static_cast<unsigned char>(c))) message += c;
    else if (!message.empty() && message.back() != ' ') message += ' ';
  }
  EXPECT_NE(message.find("(Debian: apt install libdw-dev)"), std::string::npos) << without.err;

  RunResult configure = run(configure_argv);
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  // Found in the prefix, not in some other installed gops.
  EXPECT_NE(read_file(build + "/CMakeCache.txt").find("gops_DIR:PATH=" + prefix() + "/lib/cmake/gops\n"),
            std::string::npos);
  RunResult compile = run({cmake(), "--build", build, "-j2"});
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  expect_consumer_answers(build + "/consumer", "cmake-consumer");

  // gops::heap_sampler brings its link options: the sampler's C API is in
  // the program's dynamic symbol table, where the agent looks it up.
  RunResult symbols = run({nm(), "-D", "--defined-only", build + "/consumer_heap_sampler"});
  ASSERT_EQ(symbols.exit_code, 0) << symbols.err;
  EXPECT_NE(symbols.out.find(" gops_heap_sampler_version\n"), std::string::npos) << symbols.out;
  expect_consumer_answers(build + "/consumer_heap_sampler", "cmake-consumer-heap-sampler");
}

TEST_F(PackageInstall, PkgConfigConsumerRunsTheAgent) {
  RunResult compile = build_with_pkg_config(prefix() + "/lib/pkgconfig", path("consumer-pc"));
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  // The header from the prefix (the .pc file finds it from its own place).
  EXPECT_NE(compile.out.find("-I" + prefix() + "/"), std::string::npos) << compile.out;
  expect_consumer_answers(path("consumer-pc"), "pkg-config-consumer");
  // Linked from the archive (not the preload beside it), exporting the flag
  // a preloaded agent would see.
  RunResult symbols = run({nm(), "-D", "--defined-only", path("consumer-pc")});
  EXPECT_NE(symbols.out.find(" gops_agent_owner_v1\n"), std::string::npos) << symbols.out;
  // The heap sampler's shared object, preloaded into the same program.
  expect_consumer_answers(path("consumer-pc"), "pkg-config-consumer-preloaded",
                          {{"LD_PRELOAD", prefix() + "/lib/libgops_heap_sampler.so"}});
}

}  // namespace
}  // namespace gops::test::package
