// What gops needs to know of an executable: is it Go, which Go built it, its
// module info, and for other programs the toolchain that built them.
//
// This is the binfmt part's public surface for the CLI; the format readers
// (ELF, Mach-O, PE) behind it are in their own files.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::binfmt {

// Version string used when a binary is Go (Go sections) but names no version,
// as rsc.io/goversion, and so the Go gops, print it.
inline constexpr std::string_view kUnknownGoVersion = "unknown Go version";

// The errors of a file that is not Go, worded as Go's debug/buildinfo words
// them; `go version -m` prints "could not read Go build info from FILE: "
// before them. Other errors describe what is malformed.
inline constexpr std::string_view kNotGoExecutable = "not a Go executable";
inline constexpr std::string_view kUnrecognizedFormat = "unrecognized file format";

struct GoInfo {
  std::string go_version;   // "go1.19.8", "devel +abc123 ...", or kUnknownGoVersion
  std::string module_info;  // the module text without its sentinels; may be empty
};

// The Go build info of a binary image in memory (any supported format).
// Error "not a Go executable" when it is not Go; other errors for malformed
// input. Never reads out of bounds, never allocates more than the input size.
//
// Finds what Go 1.19's debug/buildinfo finds, and also, where Go 1.19 gives
// up, Go binaries older than 1.13 (runtime.buildVersion symbol) and Go
// binaries without a readable version (Go sections: kUnknownGoVersion), as
// rsc.io/goversion did. Module text that Go would not parse is an error, as
// in Go ("could not parse Go build info: line N: ...").
Result<GoInfo> read_go_info(std::span<const std::uint8_t> image);

// The same for a file: only the bytes the readers need are read (pread into
// a buffer each thread reuses; see file_image.hpp). Thread-safe.
Result<GoInfo> read_go_info_file(const std::string& path);

// Exactly what `go version -m PATH` (Go 1.19) prints for this binary,
// including the trailing newline: "PATH: VERSION\n", then the module text as
// Go re-prints it, each line after a tab (empty module text: the first line
// only). Go 1.19 also leaves a line holding just a tab after each "=>" line.
std::string format_version_m(std::string_view path, const GoInfo& info);

// For the process list: one open and one map per executable.
struct ExecutableInfo {
  std::optional<GoInfo> go;              // set when the binary is Go
  std::optional<std::string> toolchain;  // non-Go ELF: "gcc12.2.0", "clang14.0.6"
  bool links_agent = false;              // non-Go ELF with our C++ agent's mark (protocol/agent_marker.hpp)
};

// Inspects a file; the toolchain is looked up only when `want_toolchain`
// or the binary links the agent, and the binary is not Go (it costs a read
// of .comment). An error only when
// the file cannot be opened; other files give an empty ExecutableInfo.
// Thread-safe.
Result<ExecutableInfo> inspect_executable(const std::string& path, bool want_toolchain);

}  // namespace gops::binfmt
