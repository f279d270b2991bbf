// Which sanitizer this test was built with, for GCC (__SANITIZE_*__) and
// clang (__has_feature), which name it differently.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define GOPS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOPS_TEST_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define GOPS_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GOPS_TEST_TSAN 1
#endif
#endif

namespace gops::test {

#if defined(GOPS_TEST_ASAN)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#if defined(GOPS_TEST_TSAN)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
inline constexpr bool kSanitized = kAddressSanitizer || kThreadSanitizer;

}  // namespace gops::test
