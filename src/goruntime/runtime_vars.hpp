// The runtime's global variables that gops reads (runtime.allgs,
// gomaxprocs, ncpu / numCPUStartup, buildVersion), found without symbols:
// a stripped binary keeps the function table, so the runtime functions
// that use each variable are found by name, and their code says where the
// variable is. Each pattern below holds for every release from 1.16 to
// 1.27; tests compare every result with the symbol table of unstripped
// builds of each real toolchain the suite has.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "common/result.hpp"
#include "goruntime/code.hpp"
#include "goruntime/pclntab.hpp"
#include "goruntime/remote_reader.hpp"

namespace gops::goruntime {

class RuntimeVars {
 public:
  RuntimeVars(const PcLnTab& table, const RemoteReader& reader) : table_(table), reader_(reader) {}

  // &runtime.allgs ([]*g): in runtime.allgadd, `allgs = append(allgs, gp)`
  // loads the slice's pointer, length and capacity: the one global
  // accessed at A, A+8 and A+16.
  Result<std::uint64_t> allgs() const;
  // &runtime.ncpu (1.16-1.24) or &runtime.numCPUStartup (1.25+), int32:
  // runtime.osinit stores the result of getproccount / getCPUCount there
  // right after the call.
  Result<std::uint64_t> ncpu() const;
  // &runtime.gomaxprocs, int32: the first 32-bit global runtime.procresize
  // loads (`old := gomaxprocs`), which it also takes the address of or
  // writes at its end (the atomic store of the new value).
  Result<std::uint64_t> gomaxprocs() const;
  // &runtime.buildVersion (a Go string): runtime.schedinit stores 7,
  // len("unknown"), into its length when it is empty.
  Result<std::uint64_t> build_version() const;

 private:
  Result<std::vector<Insn>> decode(std::string_view function) const;
  // The runtime functions the patterns use, found in one scan.
  const std::optional<Func>& function(std::string_view name) const;

  const PcLnTab& table_;
  const RemoteReader& reader_;
  mutable std::optional<std::map<std::string, std::optional<Func>, std::less<>>> functions_;
};

}  // namespace gops::goruntime
