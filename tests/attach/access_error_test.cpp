// The access errors' sentences, one per cause. The system states they name
// (another Yama scope, a non-dumpable target) cannot be set up here without
// changing the machine for everyone, so the facts are given directly; the
// real-process cases (another user, a tracer, an exited target) are in
// process_memory_test.cpp and freeze_test.cpp.
#include <gtest/gtest.h>

#include <cerrno>

#include "attach/access_error.hpp"

namespace gops::attach {
namespace {

AccessFacts same_user() {
  AccessFacts f;
  f.exists = true;
  f.target_uid = f.our_uid = 1000;
  f.target_user = f.our_user = "alice";
  return f;
}

TEST(AccessError, YamaScopeOneNamesTheSysctlAndSudo) {
  auto f = same_user();
  f.yama_scope = 1;
  EXPECT_EQ(describe_access_failure(42, EPERM, Access::kRead, f),
            "cannot read process 42: kernel.yama.ptrace_scope is 1, which lets only a parent process read its "
            "children: run gops with sudo, or allow it with `sudo sysctl kernel.yama.ptrace_scope=0`");
}

TEST(AccessError, YamaScopeOneAllowsDescendantsSoItIsNotBlamedForThem) {
  auto f = same_user();
  f.yama_scope = 1;
  f.target_is_descendant = true;
  EXPECT_EQ(describe_access_failure(42, EPERM, Access::kRead, f).find("ptrace_scope"), std::string::npos);
}

TEST(AccessError, YamaScopeTwoAndThree) {
  auto f = same_user();
  f.yama_scope = 2;
  EXPECT_EQ(describe_access_failure(42, EPERM, Access::kAttach, f),
            "cannot stop process 42: kernel.yama.ptrace_scope is 2, which lets only CAP_SYS_PTRACE read other "
            "processes: run gops with sudo");
  f.yama_scope = 3;
  f.cap_sys_ptrace = true;
  EXPECT_EQ(describe_access_failure(42, EPERM, Access::kAttach, f),
            "cannot stop process 42: kernel.yama.ptrace_scope is 3, which forbids reading any process (even as "
            "root) until the next reboot");
}

TEST(AccessError, AnotherUserWithoutTheCapability) {
  auto f = same_user();
  f.target_uid = 0;
  f.target_user = "root";
  f.yama_scope = 1;  // the user mismatch comes first: it is the reason
  EXPECT_EQ(describe_access_failure(7, EPERM, Access::kRead, f),
            "cannot read process 7: it belongs to root (uid 0) and gops runs as alice (uid 1000) without "
            "CAP_SYS_PTRACE: run gops as that user, or with sudo");
}

TEST(AccessError, NotDumpable) {
  auto f = same_user();
  f.target_dumpable = false;
  EXPECT_EQ(describe_access_failure(7, EPERM, Access::kRead, f),
            "cannot read process 7: it is not dumpable (setuid, or it called prctl(PR_SET_DUMPABLE, 0)), so "
            "only CAP_SYS_PTRACE may read it: run gops with sudo");
}

TEST(AccessError, AlreadyTracedOnlyMattersForStopping) {
  auto f = same_user();
  f.tracer_pid = 99;
  f.tracer_name = "dlv";
  EXPECT_EQ(describe_access_failure(7, EPERM, Access::kAttach, f),
            "cannot stop process 7: it is already traced by PID 99 (dlv); a process has one tracer at a time: "
            "detach the debugger first");
}

TEST(AccessError, GoneBeforeAndDuringTheRead) {
  AccessFacts f;
  EXPECT_EQ(describe_access_failure(7, ESRCH, Access::kRead, f), "no process with PID 7");
  EXPECT_EQ(describe_access_failure(7, ESRCH, Access::kRead, f, true), "process 7 exited while gops was reading it");
  auto z = same_user();
  z.zombie = true;
  EXPECT_EQ(describe_access_failure(7, EPERM, Access::kRead, z),
            "cannot read process 7: it has exited (zombie) and has no memory left to read");
}

TEST(AccessError, OtherErrnoIsSaidAsTheSystemSaysIt) {
  auto f = same_user();
  EXPECT_EQ(describe_access_failure(7, ENOMEM, Access::kRead, f), "cannot read process 7: cannot allocate memory");
}

}  // namespace
}  // namespace gops::attach
