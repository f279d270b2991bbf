// A running Go program opened for reading without an agent: its release
// and runtime layout, its function table, and the runtime's globals,
// everything found in its memory (and its executable's headers).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include "attach/process_memory.hpp"
#include "common/result.hpp"
#include "goruntime/arena.hpp"
#include "goruntime/module.hpp"
#include "goruntime/pclntab.hpp"
#include "goruntime/release.hpp"
#include "goruntime/remote_reader.hpp"
#include "goruntime/runtime_layout.hpp"
#include "goruntime/runtime_vars.hpp"

namespace gops::goruntime {

struct TracebackCache;  // traceback.cpp: what a PC's frames look like

class GoProcess {
 public:
  // Errors, one line each: no such process, not ours to read (why: see
  // attach/access_error.hpp), not a Go program, a Go release whose layout
  // we do not know (named), the process exiting meanwhile.
  static Result<std::unique_ptr<GoProcess>> open(pid_t pid);

  pid_t pid() const { return memory_.pid(); }
  const GoRelease& release() const { return release_; }
  const RuntimeLayout& layout() const { return layout_; }
  const PcLnTab& table() const { return *table_; }
  const RemoteReader& reader() const { return reader_; }
  const attach::ProcessMemory& memory() const { return memory_; }
  // Where copies of its memory go (table chunks, goroutines, stacks): one
  // arena for all, so a dump faults in as few fresh pages as it can.
  Arena& arena() const { return arena_; }
  const RuntimeVars& vars() const { return *vars_; }

  // The function holding pc, by the function table.
  std::optional<Func> find(std::uint64_t pc) const { return table_->find(pc); }

  TracebackCache& traceback_cache() const { return *traceback_cache_; }
  ~GoProcess();

 private:
  explicit GoProcess(pid_t pid);

  attach::ProcessMemory memory_;
  mutable Arena arena_;
  RemoteReader reader_;
  GoRelease release_;
  RuntimeLayout layout_{};
  ModuleData module_;
  std::unique_ptr<PcLnTab> table_;
  std::unique_ptr<RuntimeVars> vars_;
  std::unique_ptr<TracebackCache> traceback_cache_;
};

}  // namespace gops::goruntime
