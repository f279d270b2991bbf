// What the goroutine unwinder needs to know of the machine: how a call
// leaves the return address and where a frame's arguments start. The one
// implementation for a host is in <arch>.cpp (amd64.cpp), beside the
// instruction decoder.
#pragma once

#include <cstdint>

namespace gops::goruntime::arch {

struct CallerLink {
  std::uint64_t fp;                   // the caller's SP (this frame's top)
  std::uint64_t return_address_slot;  // where the return address is saved
};

// For a frame whose SP is `sp` and whose SP delta (pcsp) at its PC is
// `sp_delta`.
CallerLink caller_link(std::uint64_t sp, std::int32_t sp_delta);

// A frame's arguments start at fp + this (sys.MinFrameSize).
std::uint64_t min_frame_size();

}  // namespace gops::goruntime::arch
