// This process's executable mappings (/proc/self/maps) with the GNU build
// ID of the object each belongs to (read from the loaded PT_NOTE segments
// through dl_iterate_phdr, so no file is opened). Not async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gops::pprof {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t limit = 0;  // one past the end
  std::uint64_t file_offset = 0;
  std::string path;      // as /proc/self/maps shows it ("[vdso]" for the vDSO)
  std::string build_id;  // lower-case hex, empty if the object has none
};

// One line of /proc/PID/maps; false if it is not one.
struct MapsLine {
  std::uintptr_t start = 0;
  std::uintptr_t limit = 0;
  std::uint64_t offset = 0;
  bool executable = false;
  std::string path;
};
bool parse_maps_line(std::string_view line, MapsLine& out);

// Executable mappings of files and of the vDSO, in address order.
std::vector<Mapping> read_self_mappings();

}  // namespace gops::pprof
