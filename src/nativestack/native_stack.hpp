// `gops stack PID` for a process that runs no agent and is not Go (or a Go
// process's OS threads): capture (a brief stop), then unwind and
// symbolize while it runs.
#pragma once

#include <sys/types.h>

#include "common/result.hpp"
#include "nativestack/capture.hpp"
#include "stackdump/stack_dump.hpp"

namespace gops::nativestack {

Result<stackdump::StackDump> dump_native_stacks(pid_t pid, const CaptureOptions& options = {});

}  // namespace gops::nativestack
