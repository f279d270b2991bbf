#include "agent/capture/cpu_sample_ring.hpp"

namespace gops::agent {

namespace {
constexpr std::uint64_t kMask = CpuSampleRing::kCapacity - 1;
static_assert((CpuSampleRing::kCapacity & kMask) == 0, "capacity must be a power of two");
}  // namespace

void CpuSampleRing::reset() {
  for (std::size_t i = 0; i < kCapacity; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
  tail_.store(0, std::memory_order_relaxed);
  head_ = 0;
  dropped_.store(0, std::memory_order_release);
}

// A slot is free for ticket t when its sequence is t, published when t + 1,
// and free again for t + kCapacity once read.
CpuSampleSlot* CpuSampleRing::reserve(std::uint64_t& ticket) {
  std::uint64_t pos = tail_.load(std::memory_order_relaxed);
  for (;;) {
    CpuSampleSlot& slot = slots_[pos & kMask];
    std::uint64_t sequence = slot.sequence.load(std::memory_order_acquire);
    auto diff = static_cast<std::int64_t>(sequence - pos);
    if (diff == 0) {
      if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        ticket = pos;
        return &slot;
      }
    } else if (diff < 0) {
      dropped_.fetch_add(1, std::memory_order_relaxed);  // full: the reader is behind
      return nullptr;
    } else {
      pos = tail_.load(std::memory_order_relaxed);  // another writer took it
    }
  }
}

void CpuSampleRing::publish(CpuSampleSlot* slot, std::uint64_t ticket) {
  slot->sequence.store(ticket + 1, std::memory_order_release);
}

const CpuSampleSlot* CpuSampleRing::peek() {
  CpuSampleSlot& slot = slots_[head_ & kMask];
  return slot.sequence.load(std::memory_order_acquire) == head_ + 1 ? &slot : nullptr;
}

void CpuSampleRing::release() {
  slots_[head_ & kMask].sequence.store(head_ + kCapacity, std::memory_order_release);
  ++head_;
}

}  // namespace gops::agent
