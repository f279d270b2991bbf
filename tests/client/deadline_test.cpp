// A step that does not come back in time (a file on a mount that does not
// answer) gives an error at the deadline instead of a hang.
#include "client/deadline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

namespace gops::client {
namespace {

using namespace std::chrono_literals;

TEST(WithDeadline, TheStepsResultOrAnErrorAtTheDeadline) {
  auto quick = with_deadline<int>(10s, [] { return Result<int>(7); }, "a quick step");
  ASSERT_TRUE(quick) << quick.message();
  EXPECT_EQ(*quick, 7);

  auto release = std::make_shared<std::atomic<bool>>(false);
  auto t0 = std::chrono::steady_clock::now();
  auto stuck = with_deadline<int>(
      100ms,
      [release] {
        while (!release->load()) std::this_thread::sleep_for(1ms);
        return Result<int>(1);
      },
      "a stuck step");
  auto took = std::chrono::steady_clock::now() - t0;
  release->store(true);  // let the left-behind thread end
  ASSERT_FALSE(stuck);
  EXPECT_EQ(stuck.message(), "a stuck step took longer than 100 ms (a file system that does not answer?)");
  EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace gops::client
