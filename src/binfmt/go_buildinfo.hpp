// Finding a Go binary's version and module text in a parsed Image
// (docs/design.md §3). The blob search follows Go 1.19's
// debug/buildinfo step by step so that what we find is what
// `go version -m` finds; the fallbacks after it are for binaries older than
// Go 1.13, which carry no blob.
#pragma once

#include <string_view>

#include "binfmt/go_info.hpp"
#include "binfmt/image.hpp"
#include "common/result.hpp"

namespace gops::binfmt {

struct RawGoInfo {
  std::string_view version;  // views into the image
  std::string_view module;   // sentinels stripped; empty if none
};

// The Go 1.13+ build-info blob only (what Go 1.19 reads). Errors:
// kNotGoExecutable, or kUnrecognizedFormat when the data start is unmapped.
Result<RawGoInfo> read_build_info_blob(const Image& image);

// The blob, else the runtime.buildVersion symbol (pre-1.13), else
// kUnknownGoVersion if the binary has Go sections; else the blob's error.
Result<RawGoInfo> read_raw_go_info(const Image& image);

}  // namespace gops::binfmt
