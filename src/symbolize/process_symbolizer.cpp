#include "symbolize/process_symbolizer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "symbolize/debug_files.hpp"
#include "symbolize/dwfl_symbols.hpp"
#include "symbolize/rust_demangle.hpp"

namespace gops::symbolize {
namespace {

// Only regular files are opened: the target's maps name the files, and
// opening a device or a FIFO can have effects of its own (stat first).
int open_regular(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // replaced meanwhile
    ::close(fd);
    return -1;
  }
  return fd;
}

int set_userdata(Dwfl_Module*, void** userdata, const char*, Dwarf_Addr, void* arg) {
  *userdata = arg;
  return DWARF_CB_OK;
}

struct Mapping {
  std::uint64_t start = 0, end = 0, offset = 0;
  bool exec = false;
  std::string path;
};

bool parse_mapping(const char* line, Mapping& m) {
  unsigned long long start = 0, end = 0, offset = 0, inode = 0;
  char perms[8] = {};
  int path_at = 0;
  if (std::sscanf(line, "%llx-%llx %7s %llx %*s %llu %n", &start, &end, perms, &offset, &inode, &path_at) < 5)
    return false;
  m.start = start;
  m.end = end;
  m.offset = offset;
  m.exec = perms[2] == 'x';
  m.path = line + path_at;
  while (!m.path.empty() && (m.path.back() == '\n' || m.path.back() == ' ')) m.path.pop_back();
  return true;
}

}  // namespace

const Dwfl_Callbacks ProcessSymbolizer::kCallbacks = {
    ProcessSymbolizer::find_elf,
    kSelfCallbacks.find_debuginfo,
    nullptr,
    nullptr,
};

// A file module from the process's own view of the file system (its mount
// namespace, its chroot); the vDSO from the process's memory.
// `*userdata` is the symbolizer (report_modules sets it).
int ProcessSymbolizer::find_elf(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr, char** file_name,
                                Elf** elfp) {
  auto* self = static_cast<ProcessSymbolizer*>(*userdata);
  if (name == nullptr || self == nullptr) return -1;
  if (std::string_view(name) == "[vdso]") {
    Dwarf_Addr low = 0, high = 0;
    dwfl_module_info(module, nullptr, &low, &high, nullptr, nullptr, nullptr, nullptr);
    if (high <= low || high - low > (1u << 20)) return -1;
    std::string mem = self->task_ + "mem";
    int fd = ::open(mem.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    auto image = std::make_unique<char[]>(high - low);
    ssize_t got = ::pread(fd, image.get(), high - low, static_cast<off_t>(low));
    ::close(fd);
    if (got != static_cast<ssize_t>(high - low)) return -1;
    *elfp = elf_memory(image.get(), high - low);
    self->images_.push_back(std::move(image));
    return -1;
  }
  if (name[0] != '/') return -1;
  int fd = open_regular(self->root_ + name);
  if (fd < 0) return -1;  // deleted or unreadable: module+offset only
  *file_name = ::strdup(name);
  return fd;
}

// Reports every module of the process: runs of mappings of one file that
// start at offset 0 and include code, and the vDSO. A mapping at offset 0
// that directly follows one of the same file continues its run: lld puts a
// small program's code segment in the file's first page, so its r-x mapping
// also has offset 0, and the module starts at the r-- mapping before it.
int ProcessSymbolizer::report_modules() {
  std::string path = task_ + "maps";
  std::FILE* maps = std::fopen(path.c_str(), "re");
  if (maps == nullptr) return errno;
  std::vector<Mapping> run;
  auto flush = [&] {
    if (run.empty()) return;
    bool code = std::any_of(run.begin(), run.end(), [](const Mapping& m) { return m.exec; });
    const std::string& name = run.front().path;
    if (code && run.front().offset == 0 && (name[0] == '/' || name == "[vdso]"))
      dwfl_report_module(dwfl_, name.c_str(), run.front().start, run.back().end);
    run.clear();
  };
  char line[4096 + 128];
  while (std::fgets(line, sizeof line, maps)) {
    Mapping m;
    if (!parse_mapping(line, m)) continue;
    if (m.path.empty() || (m.path[0] != '/' && m.path != "[vdso]")) {
      flush();
      continue;
    }
    bool continues = !run.empty() && m.path == run.front().path && (m.offset != 0 || m.start == run.back().end);
    if (!continues) flush();
    run.push_back(std::move(m));
  }
  flush();
  std::fclose(maps);
  return 0;
}

Result<std::unique_ptr<ProcessSymbolizer>> ProcessSymbolizer::open(pid_t pid, pid_t tid) {
  std::unique_ptr<ProcessSymbolizer> s(new ProcessSymbolizer(pid));
  s->task_ = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid > 0 ? tid : pid) + "/";
  s->root_ = s->task_ + "root";
  s->dwfl_ = dwfl_begin(&kCallbacks);
  if (s->dwfl_ == nullptr) return Error{std::string("cannot start libdwfl: ") + dwfl_errmsg(-1)};
  dwfl_report_begin(s->dwfl_);
  int rc = s->report_modules();
  dwfl_report_end(s->dwfl_, nullptr, nullptr);
  if (rc != 0) {
    int err = rc > 0 ? rc : ENOENT;
    return Error{"cannot read the mappings of process " + std::to_string(pid) + ": " + std::strerror(err)};
  }
  dwfl_getmodules(s->dwfl_, set_userdata, s.get(), 0);  // find_elf's userdata
  return s;
}

ProcessSymbolizer::~ProcessSymbolizer() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

const std::vector<SourceFrame>& ProcessSymbolizer::source_frames(std::uint64_t pc) {
  auto hit = cache_.find(pc);
  if (hit == cache_.end()) hit = cache_.emplace(pc, lookup_source(dwfl_, pc, demangle_native, units_)).first;
  return hit->second;
}

ModuleLocation ProcessSymbolizer::module_location(std::uint64_t pc) {
  return lookup_module(dwfl_, pc, demangle_native);
}

std::string demangle_native(const char* name) {
  if (auto rust = demangle_rust(name)) return *rust;
  return demangle_cxx(name);
}

}  // namespace gops::symbolize
