// The arena the goroutine reader copies into: what it hands out is
// aligned, disjoint and in memory already faulted in, large requests
// included, and a reservation is resident before it is used.
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "goruntime/arena.hpp"

namespace gops::goruntime {
namespace {

const std::uintptr_t kPage = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));

// The pages [p, p + size) lies on.
std::size_t spanned_pages(const std::uint8_t* p, std::size_t size) {
  std::uintptr_t start = reinterpret_cast<std::uintptr_t>(p) / kPage;
  std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + size + kPage - 1) / kPage;
  return end - start;
}

// Those of them that are in memory, by the kernel's account.
std::size_t resident_pages(const std::uint8_t* p, std::size_t size) {
  std::uintptr_t start = reinterpret_cast<std::uintptr_t>(p) / kPage * kPage;
  std::vector<unsigned char> vec(spanned_pages(p, size));
  if (::mincore(reinterpret_cast<void*>(start), vec.size() * kPage, vec.data()) != 0) return 0;
  std::size_t n = 0;
  for (unsigned char v : vec) n += v & 1;
  return n;
}

TEST(Arena, HandsOutAlignedDisjointResidentMemory) {
  Arena arena;
  std::vector<std::pair<std::uint8_t*, std::size_t>> got;
  for (std::size_t size : {1, 15, 16, 4096, 100000, 3 << 20, 7, 64 << 10}) {
    std::uint8_t* p = arena.allocate(size);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u) << size;
    // Resident before it is written: the faults were taken in one call.
    EXPECT_EQ(resident_pages(p, size), spanned_pages(p, size)) << size;
    std::memset(p, static_cast<int>(got.size()), size);
    got.emplace_back(p, size);
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (std::size_t k = 0; k < got[i].second; k += 997) ASSERT_EQ(got[i].first[k], i) << i;
    for (std::size_t j = i + 1; j < got.size(); ++j) {
      bool apart = got[i].first + got[i].second <= got[j].first || got[j].first + got[j].second <= got[i].first;
      EXPECT_TRUE(apart) << i << " and " << j << " overlap";
    }
  }
}

TEST(Arena, AReservationIsResidentBeforeItIsHandedOut) {
  Arena arena;
  (void)arena.allocate(100);
  arena.reserve(1 << 20);
  std::uint8_t* p = arena.allocate(1 << 20);
  EXPECT_EQ(resident_pages(p, 1 << 20), spanned_pages(p, 1 << 20));
}

TEST(Arena, BacksAVector) {
  Arena arena;
  std::vector<std::uint64_t, ArenaAllocator<std::uint64_t>> v{ArenaAllocator<std::uint64_t>(arena)};
  for (std::uint64_t i = 0; i < 100000; ++i) v.push_back(i * 3);
  for (std::uint64_t i = 0; i < v.size(); i += 101) ASSERT_EQ(v[i], i * 3);
  auto moved = std::move(v);
  EXPECT_EQ(moved.size(), 100000u);
  EXPECT_EQ(moved.back(), 99999u * 3);
}

}  // namespace
}  // namespace gops::goruntime
