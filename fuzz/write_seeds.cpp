// Writes the fuzzers' seeds into DIR/binfmt_fuzz and DIR/module_info_fuzz:
// small valid executables of every format and both build-info forms, and
// module texts of the shapes Go writes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "binfmt/synthetic_images.hpp"

namespace {

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  using namespace gops::binfmt::test;
  fs::path dir = argv[1];
  fs::create_directories(dir / "binfmt_fuzz");
  fs::create_directories(dir / "module_info_fuzz");
  const std::string module =
      "path\texample.com/cmd\nmod\texample.com\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
      "dep\texample.com/g\tv1.2.3\n=>\t./g\t(devel)\t\nbuild\t-ldflags=\"-s -w\"\nbuild\t`k\"`=`a b`\n";
  for (Kind kind : all_kinds()) {
    for (bool inline_form : {true, false}) {
      BlobSpec spec;
      spec.inline_form = inline_form;
      spec.module = module;
      auto img = make_synthetic(kind, spec);
      write(dir / "binfmt_fuzz" / (kind_name(kind) + (inline_form ? "-inline" : "-pointer")),
            std::string(img.bytes.begin(), img.bytes.end()));
    }
  }
  write(dir / "module_info_fuzz" / "module", module);
  write(dir / "module_info_fuzz" / "quoted", "build\t\"a\\tb\\u00e9\\x01\"=\"\\\"v\\\"\"\n");
  return 0;
}
