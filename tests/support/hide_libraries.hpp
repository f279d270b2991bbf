// A launcher (argv to put before a command) that runs the command in a
// mount namespace of its own where the given system libraries cannot be
// loaded: /dev/null is mounted over each. Needs root (CI runs as root).
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace gops::test {

inline std::vector<std::string> hiding_libraries(std::initializer_list<const char*> sonames) {
  std::string script;
  for (const char* soname : sonames)
    script += "mount --bind /dev/null " +
              std::filesystem::canonical(std::string("/lib/x86_64-linux-gnu/") + soname).string() + " && ";
  return {"unshare", "--mount", "sh", "-c", script + "exec \"$0\" \"$@\""};
}

}  // namespace gops::test
