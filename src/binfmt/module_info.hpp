// The module text of a Go binary as Go 1.19 reads and prints it
// (runtime/debug.ParseBuildInfo and BuildInfo.String). `go version -m` does
// not print the raw text: it parses it and prints it again, which drops
// unknown lines and an unterminated last line, and re-quotes build settings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gops::binfmt {

struct ModuleVersion {
  std::string path, version, sum;
  bool operator==(const ModuleVersion&) const = default;
};

struct Module : ModuleVersion {
  std::optional<ModuleVersion> replace;  // the "=>" line under it
  bool operator==(const Module&) const = default;
};

struct BuildSetting {
  std::string key, value;  // unquoted
  bool operator==(const BuildSetting&) const = default;
};

struct BuildInfo {
  std::string path;  // main package
  Module main;       // all empty: none
  std::vector<Module> deps;
  std::vector<BuildSetting> settings;
};

// Errors read as Go's: "could not parse Go build info: line N: ...".
Result<BuildInfo> parse_build_info(std::string_view text);

// The same check, keeping nothing (for reading binaries, where the module
// text is only checked and must not cost memory beyond its own size).
Status check_build_info(std::string_view text);

// BuildInfo.String() without the "go" line: the lines `go version -m`
// prints (each ends in a newline; the tab indent is added by the caller).
std::string format_build_info(const BuildInfo& info);

}  // namespace gops::binfmt
