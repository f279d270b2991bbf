// The threads that count into their own ThreadState, so that totals can be
// summed without a locked instruction on every allocation. A bounded table
// (no allocation); a thread that finds it full counts into shared atomics.
// A thread's counts are folded into the shared totals when it exits (pthread
// key destructor) and, in a fork child, for every thread but the one that
// survived.
#pragma once

#include <cstddef>

#include "heap_sampler/gops_heap_sampler.h"
#include "heap_sampler/thread_state.hpp"

namespace gops::heap_sampler {

// Called once, from the library's initialisation (creates the pthread key).
void init_thread_registry();

// Slow path of the counters: registers `state` (the calling thread's) if it
// can, else counts into the shared totals. `which`: 0 alloc, 1 free, 2 realloc.
void count_slow(ThreadState& state, int which) noexcept;

void total_counts(gops_heap_sampler_counts& out) noexcept;
std::size_t thread_counts(gops_heap_sampler_thread* out, std::size_t capacity) noexcept;
std::size_t registered_threads() noexcept;

// fork(): hold the registry lock across it; in the child, fold away every
// thread but the caller.
void registry_before_fork() noexcept;
void registry_after_fork_parent() noexcept;
void registry_after_fork_child(ThreadState* survivor) noexcept;

}  // namespace gops::heap_sampler
