// Fuzzes the executable readers and the build-info search with arbitrary
// bytes: every path must end in an error or an answer, never a crash, an
// out-of-bounds read (ASan) or undefined behaviour (UBSan).
#include <cstddef>
#include <cstdint>
#include <span>

#include "binfmt/go_buildinfo.hpp"
#include "binfmt/go_info.hpp"
#include "binfmt/image.hpp"
#include "binfmt/toolchain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gops::binfmt;
  std::span<const std::uint8_t> bytes(data, size);
  if (auto info = read_go_info(bytes); info.ok()) {
    // An answer must be printable, and never larger than the input.
    if (info->go_version.size() + info->module_info.size() > size + 64) __builtin_trap();
    (void)format_version_m("fuzz", *info);
  }
  if (auto image = read_image(ByteView(bytes)); image.ok()) {
    (void)toolchain_of(*image);
    if (image->find_symbol) (void)image->find_symbol("runtime.buildVersion");
    for (const auto& s : image->sections) (void)image->read_at(s.vaddr, s.size);
  }
  return 0;
}
