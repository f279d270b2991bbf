#include "goruntime/runtime_vars.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace gops::goruntime {
namespace {

constexpr std::uint64_t kMaxFunctionSize = 64 * 1024;

Error not_found(std::string_view variable, std::string_view how) {
  return Error{"cannot locate runtime." + std::string(variable) + " in its memory (" + std::string(how) + ")"};
}

constexpr std::string_view kFunctions[] = {"runtime.allgadd",   "runtime.osinit",       "runtime.procresize",
                                           "runtime.schedinit", "runtime.getproccount", "runtime.getCPUCount"};

}  // namespace

const std::optional<Func>& RuntimeVars::function(std::string_view name) const {
  if (!functions_) {
    functions_.emplace();
    for (auto n : kFunctions) (*functions_)[std::string(n)];
    std::size_t left = std::size(kFunctions) - 1;  // getproccount and getCPUCount: one of them
    table_.scan_names(
        [&](std::string_view n) { return n.size() > 8 && n.substr(0, 8) == "runtime." && functions_->count(n); },
        [&](std::string_view n, const Func& f) {
          auto& slot = functions_->find(n)->second;
          if (!slot) {
            slot = f;
            --left;
          }
          return left == 0;
        });
  }
  auto it = functions_->find(name);
  static const std::optional<Func> kNone;
  return it == functions_->end() ? kNone : it->second;
}

Result<std::vector<Insn>> RuntimeVars::decode(std::string_view function_name) const {
  const auto& f = function(function_name);
  std::string_view function = function_name;
  if (!f) return Error{"no function " + std::string(function) + " in its function table"};
  std::uint64_t size = f->end - f->entry;
  if (size == 0 || size > kMaxFunctionSize) return Error{std::string(function) + " has an implausible size"};
  std::vector<std::uint8_t> code(size);
  if (!reader_.read(f->entry, code)) return Error{"cannot read the code of " + std::string(function)};
  return decode_function(code, f->entry);
}

Result<std::uint64_t> RuntimeVars::allgs() const {
  auto code = decode("runtime.allgadd");
  if (!code) return not_found("allgs", code.message());
  std::set<std::uint64_t> words;
  for (const Insn& in : *code)
    if (in.mem && in.width == 8 &&
        (in.kind == Insn::Kind::kLoad || in.kind == Insn::Kind::kStore || in.kind == Insn::Kind::kCompare))
      words.insert(*in.mem);
  std::vector<std::uint64_t> slices;
  for (std::uint64_t a : words)
    if (words.count(a + 8) && words.count(a + 16)) slices.push_back(a);
  if (slices.size() != 1) return not_found("allgs", "runtime.allgadd does not append to exactly one slice");
  return slices.front();
}

Result<std::uint64_t> RuntimeVars::ncpu() const {
  auto code = decode("runtime.osinit");
  if (!code) return not_found("ncpu", code.message());
  std::set<std::uint64_t> counters;
  for (const char* name : {"runtime.getproccount", "runtime.getCPUCount"})
    if (const auto& f = function(name)) counters.insert(f->entry);
  if (counters.empty()) return not_found("ncpu", "no runtime.getproccount or runtime.getCPUCount");
  for (std::size_t i = 0; i < code->size(); ++i) {
    const Insn& call = (*code)[i];
    if (call.kind != Insn::Kind::kCall || !counters.count(call.call_target)) continue;
    // The result is stored right away (a few instructions at most).
    for (std::size_t k = i + 1; k < code->size() && k <= i + 4; ++k) {
      const Insn& st = (*code)[k];
      if (st.kind == Insn::Kind::kStore && st.mem && st.width == 4 && st.stores_result_register) return *st.mem;
      if (st.kind == Insn::Kind::kCall) break;
    }
  }
  return not_found("ncpu", "runtime.osinit does not store the CPU count where expected");
}

Result<std::uint64_t> RuntimeVars::gomaxprocs() const {
  auto code = decode("runtime.procresize");
  if (!code) return not_found("gomaxprocs", code.message());
  auto first = std::find_if(code->begin(), code->end(),
                            [](const Insn& in) { return in.kind == Insn::Kind::kLoad && in.mem && in.width == 4; });
  if (first == code->end()) return not_found("gomaxprocs", "runtime.procresize loads no 32-bit global");
  std::uint64_t addr = *first->mem;
  bool written = std::any_of(first + 1, code->end(), [&](const Insn& in) {
    return in.mem == addr &&
           (in.kind == Insn::Kind::kAddressOf || in.kind == Insn::Kind::kExchange || in.kind == Insn::Kind::kStore);
  });
  if (!written) return not_found("gomaxprocs", "runtime.procresize does not update the global it first loads");
  return addr;
}

Result<std::uint64_t> RuntimeVars::build_version() const {
  auto code = decode("runtime.schedinit");
  if (!code) return not_found("buildVersion", code.message());
  for (const Insn& in : *code)
    if (in.kind == Insn::Kind::kStore && in.mem && in.width == 8 && in.imm == 7) return *in.mem - 8;
  return not_found("buildVersion", "runtime.schedinit does not set it to \"unknown\" where expected");
}

}  // namespace gops::goruntime
