#include "symbolize/process_symbolizer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "symbolize/debug_files.hpp"
#include "symbolize/dwfl_symbols.hpp"
#include "symbolize/rust_demangle.hpp"

namespace gops::symbolize {
namespace {

int open_regular(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A file module from the process's own view of the file system (its mount
// namespace, its chroot); the vDSO and other "[...]" modules from memory,
// as elfutils reads them. `*userdata` is the process's root (set_target).
int find_elf(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
             Elf** elfp) {
  if (name == nullptr) return -1;
  if (name[0] != '/' || *userdata == nullptr)
    return dwfl_linux_proc_find_elf(module, userdata, name, base, file_name, elfp);
  const auto* root = static_cast<const std::string*>(*userdata);  // "/proc/PID/root"
  int fd = open_regular(*root + name);
  if (fd < 0) return -1;  // deleted or unreadable: module+offset only
  *file_name = ::strdup(name);
  return fd;
}

const Dwfl_Callbacks kProcessCallbacks = {
    find_elf,
    kSelfCallbacks.find_debuginfo,
    nullptr,
    nullptr,
};

int set_target(Dwfl_Module*, void** userdata, const char*, Dwarf_Addr, void* arg) {
  *userdata = arg;
  return DWARF_CB_OK;
}

}  // namespace

Result<std::unique_ptr<ProcessSymbolizer>> ProcessSymbolizer::open(pid_t pid) {
  std::unique_ptr<ProcessSymbolizer> s(new ProcessSymbolizer(pid));
  s->root_ = "/proc/" + std::to_string(pid) + "/root";
  s->dwfl_ = dwfl_begin(&kProcessCallbacks);
  if (s->dwfl_ == nullptr) return Error{std::string("cannot start libdwfl: ") + dwfl_errmsg(-1)};
  dwfl_report_begin(s->dwfl_);
  int rc = dwfl_linux_proc_report(s->dwfl_, pid);
  dwfl_report_end(s->dwfl_, nullptr, nullptr);
  if (rc != 0) {
    int err = rc > 0 ? rc : ENOENT;
    return Error{"cannot read the mappings of process " + std::to_string(pid) + ": " + std::strerror(err)};
  }
  // find_elf's userdata: the process's root, which lives as long as `s`.
  dwfl_getmodules(s->dwfl_, set_target, &s->root_, 0);
  return s;
}

ProcessSymbolizer::~ProcessSymbolizer() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

const std::vector<SourceFrame>& ProcessSymbolizer::source_frames(std::uint64_t pc) {
  auto hit = cache_.find(pc);
  if (hit == cache_.end()) hit = cache_.emplace(pc, lookup_source(dwfl_, pc, demangle_native)).first;
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
