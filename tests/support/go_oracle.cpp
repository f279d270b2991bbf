#include "support/go_oracle.hpp"

#include <map>

namespace gops::test {
namespace {

bool running(const stackdump::Goroutine& g) {
  return g.status.rfind("running", 0) == 0 || g.status.rfind("runnable", 0) == 0 || g.frames.empty();
}

bool same(const stackdump::Goroutine& a, const stackdump::Goroutine& b) {
  if (a.id != b.id || a.status != b.status || a.wait_minutes != b.wait_minutes ||
      a.locked_to_thread != b.locked_to_thread || a.frames.size() != b.frames.size())
    return false;
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    const auto& x = a.frames[i];
    const auto& y = b.frames[i];
    if (x.function != y.function || x.args != y.args || x.file != y.file || x.line != y.line ||
        x.offset != y.offset || x.elision != y.elision || x.elided != y.elided)
      return false;
  }
  if (a.created_by.has_value() != b.created_by.has_value()) return false;
  if (a.created_by) {
    const auto& x = *a.created_by;
    const auto& y = *b.created_by;
    if (x.function != y.function || x.goroutine != y.goroutine || x.file != y.file || x.line != y.line ||
        x.offset != y.offset)
      return false;
  }
  return true;
}

}  // namespace

std::string describe(const stackdump::Goroutine& g) {
  stackdump::StackDump one;
  one.goroutines.push_back(g);
  one.goroutines.back().notes.clear();
  return stackdump::format_go(one);
}

OracleComparison compare_with_oracle(const stackdump::StackDump& ours, const stackdump::StackDump& oracle) {
  OracleComparison c;
  std::map<std::uint64_t, const stackdump::Goroutine*> theirs;
  for (const auto& g : oracle.goroutines)
    if (g.id != 0) theirs[g.id] = &g;
  std::map<std::uint64_t, bool> seen;
  for (const auto& g : ours.goroutines) {
    auto it = theirs.find(g.id);
    if (it == theirs.end()) {
      c.only_ours.push_back(g.id);
      continue;
    }
    seen[g.id] = true;
    if (running(g) || running(*it->second)) continue;
    ++c.compared;
    if (!same(g, *it->second))
      c.mismatches.push_back("ours:\n" + describe(g) + "the runtime's:\n" + describe(*it->second));
  }
  for (const auto& [id, g] : theirs)
    if (!seen.count(id)) c.only_oracle.push_back(id);
  return c;
}

}  // namespace gops::test
