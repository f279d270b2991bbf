#include "agent/symbolizer.hpp"

#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <cstdlib>
#include <unordered_map>

namespace gops::agent {
namespace {

// Plain files only: this process's own mappings and debug files on disk.
// (dwfl_standard_find_debuginfo also looks in /usr/lib/debug by build id.)
const Dwfl_Callbacks kCallbacks = {
    dwfl_linux_proc_find_elf,
    dwfl_standard_find_debuginfo,
    nullptr,
    nullptr,
};

struct State {
  Dwfl* dwfl = nullptr;
  std::unordered_map<std::uintptr_t, Frame> cache;
  bool may_refresh = true;
  unsigned generation = 0;
};

// Leaked on purpose: agent threads may symbolize during static destruction.
State& state() {
  static State* s = new State;
  return *s;
}

bool report(State& s) {
  if (s.dwfl == nullptr) s.dwfl = dwfl_begin(&kCallbacks);
  if (s.dwfl == nullptr) return false;
  dwfl_report_begin(s.dwfl);
  int rc = dwfl_linux_proc_report(s.dwfl, ::getpid());
  dwfl_report_end(s.dwfl, nullptr, nullptr);
  s.cache.clear();
  ++s.generation;
  return rc == 0;
}

std::string demangle(const char* name) {
  // "clock_nanosleep@GLIBC_2.2.5": the symbol version is not part of the name.
  std::string plain(name);
  if (auto at = plain.find('@'); at != std::string::npos && at > 0) plain.resize(at);
  name = plain.c_str();
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string result(out);
  std::free(out);
  return result;
}

std::string base_name(const char* path) {
  std::string p = path ? path : "";
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

Frame lookup(Dwfl* dwfl, std::uintptr_t pc) {
  Frame f;
  Dwfl_Module* module = dwfl_addrmodule(dwfl, pc);
  if (module == nullptr) return f;
  Dwarf_Addr start = 0;
  const char* name = dwfl_module_info(module, nullptr, &start, nullptr, nullptr, nullptr, nullptr, nullptr);
  f.module = base_name(name);
  f.module_offset = pc - start;
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (const char* fn = dwfl_module_addrinfo(module, pc, &offset, &sym, nullptr, nullptr, nullptr)) {
    f.function = demangle(fn);
    f.function_offset = offset;
  }
  // Line info only from the compile unit that covers pc: code without
  // DWARF (e.g. crt1's _start) must not borrow a neighbour's line.
  Dwarf_Addr bias = 0;
  Dwfl_Line* line = dwfl_module_addrdie(module, pc, &bias) ? dwfl_module_getsrc(module, pc) : nullptr;
  if (line != nullptr) {
    int lineno = 0;
    if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
      f.file = file;
      f.line = lineno;
    }
  }
  return f;
}

}  // namespace

void begin_symbolizing() { state().may_refresh = true; }

unsigned symbolizer_generation() { return state().generation; }

Frame symbolize(std::uintptr_t pc) {
  State& s = state();
  if (auto hit = s.cache.find(pc); hit != s.cache.end()) return hit->second;
  if (s.dwfl == nullptr && !report(s)) return Frame{};
  if (s.may_refresh && dwfl_addrmodule(s.dwfl, pc) == nullptr) {  // mapped since the last report?
    s.may_refresh = false;
    report(s);
  }
  Frame f = lookup(s.dwfl, pc);
  if (s.cache.size() > 100000) s.cache.clear();  // bounded
  s.cache.emplace(pc, f);
  return f;
}

}  // namespace gops::agent
