// Where a running Go program keeps its function table: runtime.pcHeader
// (the start of the pclntab) and runtime.firstmoduledata, which points at
// it and gives every table's extent, the text range and the funcdata base.
//
// Found in the target's memory, so relocations (PIE) are already applied:
// the pclntab's address from the executable's .gopclntab section when it
// has one, and moduledata as the word in the executable's writable data
// that points at it. Without section headers (or with a pclntab the
// section does not name), a structural scan of the writable data finds the
// moduledata whose table pointers agree with the header they point at.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attach/process_memory.hpp"
#include "common/result.hpp"

namespace gops::goruntime {

enum class PclnFormat {
  k116,  // magic 0xfffffffa: Go 1.16, 1.17
  k118,  // magic 0xfffffff0: Go 1.18, 1.19
  k120,  // magic 0xfffffff1: Go 1.20 and later
};

struct Slice {
  std::uint64_t ptr = 0, len = 0;  // len in bytes
  std::uint64_t end() const { return ptr + len; }
};

struct ModuleData {
  std::uint64_t address = 0;   // of the moduledata itself
  std::uint64_t pcheader = 0;  // of runtime.pcHeader
  PclnFormat format = PclnFormat::k120;
  std::uint64_t nfunc = 0;
  std::uint64_t text_start = 0;  // base of 1.18+ entry offsets (moduledata.text)
  Slice funcnametab, cutab, filetab, pctab, pclntable, ftab;
  std::uint64_t minpc = 0, maxpc = 0, text = 0, etext = 0;
};

// A mapping of the executable file in the target (/proc/PID/maps).
struct ExeMapping {
  std::uint64_t start = 0, end = 0, file_offset = 0;
  bool readable = false, writable = false, executable = false;
};

// What the executable and its mappings say, read once per target.
struct ExeLayout {
  std::string path;                 // /proc/PID/exe as it resolves
  std::vector<ExeMapping> mappings; // of that file
  std::uint64_t bias = 0;           // load address minus link address (PIE)
  std::optional<std::uint64_t> pclntab;           // .gopclntab, relocated
  std::optional<std::pair<std::uint64_t, std::uint64_t>> moduledata_section;  // .go.module (1.26+), relocated
  std::optional<std::pair<std::uint64_t, std::uint64_t>> noptrdata_section;   // relocated
};

Result<ExeLayout> read_exe_layout(pid_t pid);

// Finds the moduledata (and with it the pclntab) in the running target.
Result<ModuleData> find_moduledata(const attach::ProcessMemory& memory, const ExeLayout& exe);

// Reads moduledata.gofunc at `offset` (per release: runtime_layout.hpp).
Result<std::uint64_t> read_gofunc(const attach::ProcessMemory& memory, const ModuleData& md, int offset);

}  // namespace gops::goruntime
