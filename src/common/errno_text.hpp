// The one way system errors are worded: as Go prints them ("connection refused", "no such file or
// directory"): strerror in lower case, so our messages read like the Go
// gops' where they match it.
#pragma once

#include <cctype>
#include <cstring>
#include <string>

namespace gops {

inline std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace gops
