// The CPU profiler's sample ring on real threads: every published sample is
// read once and intact, a full ring drops and counts, and slots are reused
// after they are read (run under TSan as well).
#include "agent/capture/cpu_sample_ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

namespace gops::agent {
namespace {

bool push(CpuSampleRing& ring, std::uintptr_t id, std::uint32_t depth) {
  std::uint64_t ticket = 0;
  CpuSampleSlot* slot = ring.reserve(ticket);
  if (slot == nullptr) return false;
  for (std::uint32_t i = 0; i < depth; ++i) slot->pcs[i] = id * 100 + i;
  slot->depth = depth;
  slot->weight = 1;
  ring.publish(slot, ticket);
  return true;
}

TEST(CpuSampleRing, FullRingDropsAndCountsThenReusesSlots) {
  auto ring = std::make_unique<CpuSampleRing>();
  ring->reset();
  for (std::size_t i = 0; i < CpuSampleRing::kCapacity; ++i) ASSERT_TRUE(push(*ring, i, 3));
  EXPECT_FALSE(push(*ring, 999999, 3));
  EXPECT_FALSE(push(*ring, 999999, 3));
  EXPECT_EQ(ring->dropped(), 2u);
  // Reading frees slots in order; the next writes wrap around.
  for (std::size_t i = 0; i < 10; ++i) {
    const CpuSampleSlot* slot = ring->peek();
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(slot->pcs[0], i * 100);
    ring->release();
  }
  for (std::size_t i = 0; i < 10; ++i) EXPECT_TRUE(push(*ring, 50000 + i, 1));
  EXPECT_FALSE(push(*ring, 999999, 1));
  std::size_t read = 0;
  std::uintptr_t last = 0;
  while (const CpuSampleSlot* slot = ring->peek()) {
    last = slot->pcs[0];
    ring->release();
    ++read;
  }
  EXPECT_EQ(read, CpuSampleRing::kCapacity);
  EXPECT_EQ(last, (50000u + 9u) * 100u);
  ring->reset();
  EXPECT_EQ(ring->peek(), nullptr);
  EXPECT_EQ(ring->dropped(), 0u);
}

TEST(CpuSampleRing, ManyWritersOneReaderLoseNothingThatWasPublished) {
  auto ring = std::make_unique<CpuSampleRing>();
  ring->reset();
  constexpr int kWriters = 4;
  constexpr std::uintptr_t kEach = 20000;
  std::atomic<int> done{0};
  std::atomic<std::uint64_t> published{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (std::uintptr_t i = 0; i < kEach; ++i) {
        std::uintptr_t id = static_cast<std::uintptr_t>(w) * kEach + i;
        if (push(*ring, id, 1 + static_cast<std::uint32_t>(id % kMaxFrames))) published.fetch_add(1);
      }
      done.fetch_add(1);
    });
  }
  std::vector<bool> seen(kWriters * kEach, false);
  std::uint64_t read = 0;
  auto drain = [&] {
    while (const CpuSampleSlot* slot = ring->peek()) {
      std::uintptr_t id = slot->pcs[0] / 100;
      ASSERT_LT(id, seen.size());
      EXPECT_FALSE(seen[id]) << "read twice: " << id;
      seen[id] = true;
      ASSERT_EQ(slot->depth, 1 + id % kMaxFrames);
      for (std::uint32_t i = 0; i < slot->depth; ++i) ASSERT_EQ(slot->pcs[i], id * 100 + i) << "torn sample";
      ring->release();
      ++read;
    }
  };
  while (done.load() < kWriters) drain();
  for (auto& t : writers) t.join();
  drain();
  EXPECT_EQ(read, published.load());
  EXPECT_EQ(read + ring->dropped(), kWriters * kEach);
}

}  // namespace
}  // namespace gops::agent
