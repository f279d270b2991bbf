// ThreadSanitizer suppressions for programs with the agent in them (test
// programs only: a host built with TSan supplies its own). libunwind is not
// instrumented, and its one-time setup (sigfillset on a global under its
// own lock, read later by sigprocmask) shows up as a race through TSan's
// interceptors, the first time any thread unwinds.
#include "support/sanitizers.hpp"

#if defined(GOPS_TEST_TSAN)
extern "C" const char* __tsan_default_suppressions();  // TSan's hook, called at start
extern "C" const char* __tsan_default_suppressions() {
  return "called_from_lib:libunwind.so.8\n";
}
#endif
