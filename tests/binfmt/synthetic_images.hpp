// Small, valid executables made byte by byte: an ELF (32/64, either byte
// order), a thin 64-bit Mach-O and a PE32+, each holding a Go build-info blob
// (inline or pointer form) and nothing else. The hostile-header tests bend
// their fields one at a time; the fuzzer uses them as seeds (real Go
// binaries are megabytes, too slow to mutate). `go version -m` reads them,
// which the tests check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gops::binfmt::test {

struct BlobSpec {
  bool inline_form = true;
  std::string version = "go1.19.8";
  std::string module = "path\texample.com/synthetic\nmod\texample.com/synthetic\t(devel)\t\n";  // no sentinels
};

enum class Kind { kElf64Le, kElf32Le, kElf64Be, kElf32Be, kMachO64, kPe32Plus };

struct Synthetic {
  std::vector<std::uint8_t> bytes;
  // Offsets of fields the hostile tests edit.
  std::size_t blob_offset = 0;     // the blob's magic
  std::size_t header_table = 0;    // ELF section headers, Mach-O load commands, PE section table
  std::size_t count_field = 0;     // ELF e_shnum, Mach-O ncmds, PE NumberOfSections
};

Synthetic make_synthetic(Kind kind, const BlobSpec& spec = {});

const std::vector<Kind>& all_kinds();
std::string kind_name(Kind kind);

}  // namespace gops::binfmt::test
