// The public entry points (go_info.hpp): map, pick the reader, find the
// build info, and check the module text the way Go's debug/buildinfo does.
#include "binfmt/go_info.hpp"

#include "binfmt/go_buildinfo.hpp"
#include "binfmt/image.hpp"
#include "binfmt/file_image.hpp"
#include "binfmt/module_info.hpp"
#include "binfmt/toolchain.hpp"
#include "protocol/agent_marker.hpp"

namespace gops::binfmt {
namespace {

Result<GoInfo> go_info_of(const Image& image) {
  auto raw = read_raw_go_info(image);
  if (!raw) return raw.error();
  // Go's buildinfo.Read rejects module text that does not parse; so do we,
  // so that a binary reads as Go exactly when `go version -m` reads it.
  if (auto checked = check_build_info(raw->module); !checked) return checked.error();
  return GoInfo{std::string(raw->version), std::string(raw->module)};
}

}  // namespace

Result<GoInfo> read_go_info(std::span<const std::uint8_t> bytes) {
  auto image = read_image(ByteView(bytes));
  if (!image) return image.error();
  return go_info_of(*image);
}

Result<GoInfo> read_go_info_file(const std::string& path) {
  auto file = FileImage::open(path);
  if (!file) return file.error();
  auto image = read_image((*file)->view());
  if (!image) return image.error();
  return go_info_of(*image);
}

std::string format_version_m(std::string_view path, const GoInfo& info) {
  std::string out = std::string(path) + ": " + info.go_version + "\n";
  auto parsed = parse_build_info(info.module_info);
  if (!parsed) return out;  // read_go_info never returns such info
  std::string mod = format_build_info(*parsed);
  if (mod.empty()) return out;
  // Each line indented by a tab, as cmd/go/internal/version prints them.
  out += '\t';
  for (std::size_t i = 0; i + 1 < mod.size(); ++i) {
    out += mod[i];
    if (mod[i] == '\n') out += '\t';
  }
  out += '\n';
  return out;
}

Result<ExecutableInfo> inspect_executable(const std::string& path, bool want_toolchain) {
  auto file = FileImage::open(path);
  if (!file) return file.error();
  ExecutableInfo info;
  auto image = read_image((*file)->view());
  if (!image) return info;  // not a format we read: neither Go nor a known toolchain
  if (auto go = go_info_of(*image)) {
    info.go = std::move(*go);
    return info;
  }
  if (image->format != Format::kElf) return info;
  info.links_agent = image->section(protocol::kAgentMarkerSection) != nullptr;
  if (want_toolchain || info.links_agent) info.toolchain = toolchain_of(*image);
  return info;
}

}  // namespace gops::binfmt
