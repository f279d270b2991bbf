// The CPU profiler's sample buffer: a bounded multi-producer ring (each
// slot has a sequence number, as in D. Vyukov's bounded queue) that the
// SIGPROF handlers of any thread write into and one agent thread drains.
// Fixed size, allocated once and never freed, so a handler never allocates
// and never touches freed memory; when full, a sample is dropped and counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "agent/capture/stack_capture.hpp"  // kMaxFrames

namespace gops::agent {

struct CpuSampleSlot {
  std::atomic<std::uint64_t> sequence{0};
  std::uint32_t depth = 0;
  std::uint32_t weight = 0;  // timer periods this sample stands for (1 + overruns)
  std::uintptr_t pcs[kMaxFrames];
};

class CpuSampleRing {
 public:
  static constexpr std::size_t kCapacity = 4096;  // a power of two; ~2 MiB

  // Empties the ring and the drop count. Not async-signal-safe: only while
  // no handler can write (before sampling starts).
  void reset();

  // A slot to fill, or nullptr (dropped, counted) when the ring is full.
  // Async-signal-safe: atomics only, lock-free, no allocation.
  CpuSampleSlot* reserve(std::uint64_t& ticket);
  // Publishes a reserved slot to the reader. Async-signal-safe.
  void publish(CpuSampleSlot* slot, std::uint64_t ticket);

  // The oldest published sample, or nullptr; release() hands it back.
  // Single reader (the profiling agent thread); not async-signal-safe.
  const CpuSampleSlot* peek();
  void release();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  CpuSampleSlot slots_[kCapacity];
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // next ticket for writers
  alignas(64) std::uint64_t head_ = 0;              // next ticket to read
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace gops::agent
