// The attach tests' target process (attach_target.cpp) and the helper
// process (freeze_holder.cpp), started and parsed.
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "attach/proc_task.hpp"
#include "support/process.hpp"

namespace gops::test {

struct AttachTarget {
  Child child;
  pid_t pid = 0;
  std::uint64_t buffer = 0, size = 0, hole = 0, progress = 0;

  static AttachTarget start(int threads, const std::string& mode = "plain") {
    AttachTarget t{Child::spawn({GOPS_TEST_ATTACH_TARGET, std::to_string(threads), mode})};
    EXPECT_TRUE(t.child.wait_for_output("progress=")) << "target did not start";
    std::string out = t.child.output();
    auto field = [&](const std::string& key) -> std::uint64_t {
      auto at = out.find(key + "=");
      return at == std::string::npos ? 0 : std::strtoull(out.c_str() + at + key.size() + 1, nullptr, 0);
    };
    t.pid = static_cast<pid_t>(field("pid"));
    t.buffer = field("buffer");
    t.size = field("size");
    t.hole = field("hole");
    t.progress = field("progress");
    // Every thread started (spinners, blockers, and the main one).
    eventually([&] { return attach::list_threads(t.pid).size() >= static_cast<std::size_t>(threads) + 1; });
    return t;
  }
};

// Process states of every thread of pid, as one string ("SRt...").
inline std::string thread_states(pid_t pid) {
  std::string s;
  for (pid_t tid : attach::list_threads(pid))
    if (auto st = attach::read_task_stat(pid, tid)) s += st->state;
  return s;
}

constexpr const char* kOtherUser = "gops-attach-test";

// The uid of a throwaway system user, created when missing (needs root).
inline uid_t other_user() {
  if (passwd* pw = ::getpwnam(kOtherUser)) return pw->pw_uid;
  run({"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", kOtherUser});
  passwd* pw = ::getpwnam(kOtherUser);
  return pw ? pw->pw_uid : 0;
}

}  // namespace gops::test
