// Which Go release built a program ("go1.21.13" -> 1.21), and whether this
// gops knows how to read that release's runtime.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::goruntime {

// The oldest and newest releases whose runtime layouts are in
// runtime_layout.cpp.
inline constexpr int kOldestMinor = 16;
inline constexpr int kNewestMinor = 27;

struct GoRelease {
  int minor = 0;         // 21 for go1.21.13
  std::string text;      // as the binary says it: "go1.21.13", "devel go1.24-abcdef ..."
};

// "go1.21", "go1.21.13", "go1.21rc2", "devel go1.24-abcdef Tue ..." and the
// like; nullopt for text that names no go1.N release.
std::optional<GoRelease> parse_release(std::string_view text);

// An error naming the release when its runtime is not one we can read.
Status check_supported(const GoRelease& release);

}  // namespace gops::goruntime
