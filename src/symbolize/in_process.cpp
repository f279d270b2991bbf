#include "symbolize/in_process.hpp"

#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "symbolize/debug_files.hpp"
#include "symbolize/dwfl_symbols.hpp"

namespace gops::symbolize {
namespace {

struct State {
  std::mutex mutex;
  Dwfl* dwfl = nullptr;
  std::unordered_map<std::uintptr_t, std::vector<SourceFrame>> cache;
  UnitIndex units;
  bool may_refresh = true;
  std::atomic<unsigned> generation{0};
};

// Leaked on purpose: agent threads may symbolize during static destruction.
State& state() {
  static State* s = new State;
  return *s;
}

bool report(State& s) {
  if (s.dwfl == nullptr) s.dwfl = dwfl_begin(&kSelfCallbacks);
  if (s.dwfl == nullptr) return false;
  dwfl_report_begin(s.dwfl);
  int rc = report_self(s.dwfl);
  dwfl_report_end(s.dwfl, nullptr, nullptr);
  s.cache.clear();
  s.units.clear();  // modules reported anew may have been dropped, and their units with them
  s.generation.fetch_add(1);
  return rc == 0;
}

// The module list, reported on first use and again (once per allowance)
// when `pc` is outside every known module. Called with the lock held.
bool ready_for(State& s, std::uintptr_t pc) {
  if (s.dwfl == nullptr && !report(s)) return false;
  if (s.may_refresh && dwfl_addrmodule(s.dwfl, pc) == nullptr) {  // mapped since the last report?
    s.may_refresh = false;
    report(s);
  }
  return true;
}

}  // namespace

void allow_refresh() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.may_refresh = true;
}

unsigned generation() { return state().generation.load(); }

ModuleLocation module_location(std::uintptr_t pc) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  ModuleLocation out;
  if (!ready_for(s, pc)) return out;
  return lookup_module(s.dwfl, pc, demangle_cxx);
}

std::vector<SourceFrame> source_frames(std::uintptr_t pc) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (auto hit = s.cache.find(pc); hit != s.cache.end()) return hit->second;
  if (!ready_for(s, pc)) return {};
  std::vector<SourceFrame> frames = lookup_source(s.dwfl, pc, demangle_cxx, s.units);
  if (s.cache.size() > 100000) s.cache.clear();  // bounded
  s.cache.emplace(pc, frames);
  return frames;
}

}  // namespace gops::symbolize
