// Stack dumps as data: Go's text both ways, our C++ agent's text parsed,
// and the JSON shape, on texts as the runtime and the agent print them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "stackdump/stack_dump.hpp"

namespace gops::stackdump {
namespace {

// runtime.Stack(all) of Go 1.21+, with an inlined frame, arguments with
// liveness marks, an elision, and a crash-time header and frame suffix.
constexpr const char* kGo = R"(goroutine 1 [running]:
main.main()
	/src/main.go:12 +0x1d

goroutine 18 gp=0xc000007340 m=nil [chan receive, 3 minutes, locked to thread]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/go/src/runtime/proc.go:402 +0xce fp=0xc0000366d8 sp=0xc0000366b8 pc=0x4386f6
main.waitInlined(...)
	/src/main.go:49
main.(*T).parked[...](0xc0000800c0?, {0x1, 0x2})
	C:/src/main.go:43 +0x4a
...7 frames elided...
created by main.main in goroutine 1
	/src/main.go:143 +0xd7
)";

TEST(StackDump, ParsesGoText) {
  StackDump d = parse_go(kGo);
  ASSERT_EQ(d.goroutines.size(), 2u);
  const Goroutine& g = d.goroutines[1];
  EXPECT_EQ(g.id, 18u);
  EXPECT_EQ(g.status, "chan receive");
  EXPECT_EQ(g.wait_minutes, 3u);
  EXPECT_TRUE(g.locked_to_thread);
  ASSERT_EQ(g.frames.size(), 4u);
  EXPECT_EQ(g.frames[0].function, "runtime.gopark");
  EXPECT_EQ(g.frames[0].offset, 0xceu);
  EXPECT_EQ(g.frames[0].line, 402);
  EXPECT_TRUE(g.frames[1].inlined);
  EXPECT_FALSE(g.frames[1].offset);
  EXPECT_EQ(g.frames[2].function, "main.(*T).parked[...]");
  EXPECT_EQ(g.frames[2].args, "0xc0000800c0?, {0x1, 0x2}");
  EXPECT_EQ(g.frames[2].file, "C:/src/main.go");
  EXPECT_TRUE(g.frames[3].elision);
  EXPECT_EQ(g.frames[3].elided, 7u);
  ASSERT_TRUE(g.created_by);
  EXPECT_EQ(g.created_by->function, "main.main");
  EXPECT_EQ(g.created_by->goroutine, 1u);
  EXPECT_EQ(g.created_by->offset, 0xd7u);
}

TEST(StackDump, GoTextRoundTrips) {
  StackDump d = parse_go(kGo);
  std::string text = format_go(d);
  EXPECT_EQ(format_go(parse_go(text)), text);
  // As the runtime prints it, less the crash-time annotations.
  EXPECT_NE(text.find("goroutine 18 [chan receive, 3 minutes, locked to thread]:\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\t/go/src/runtime/proc.go:402 +0xce\nmain.waitInlined(...)\n"), std::string::npos) << text;
}

TEST(StackDump, AgentlessRemarksStayApartFromFrames) {
  StackDump d;
  Goroutine g;
  g.id = 7;
  g.status = "running";
  g.notes.push_back("goroutine running on a CPU; stack unavailable without --freeze");
  d.goroutines.push_back(g);
  d.invalid = 2;
  d.paused_ms = 1.5;
  std::string text = format_go(d);
  EXPECT_EQ(text,
            "goroutine 7 [running]:\n\tgoroutine running on a CPU; stack unavailable without --freeze\n\n"
            "(gops: 2 goroutines failed validation (stack bounds, PCs or id out of range) and are not shown)\n"
            "(gops: the target was stopped for 1.500 ms)\n");
  StackDump back = parse_go(text);
  ASSERT_EQ(back.goroutines.size(), 1u);
  EXPECT_TRUE(back.goroutines[0].frames.empty());
  EXPECT_EQ(back.notes.size(), 2u);
}

constexpr const char* kNative = R"(thread 28188 "hello" [S (sleeping)]:
pause
	../sysdeps/unix/sysv/linux/pause.c:29 +0x32
hello::helper()
	/src/main.cpp:12 (inlined)
main
	/src/main.cpp:79 +0x25d
??
	/lib/x86_64-linux-gnu/libc.so.6+0x2724a

thread 28190 "worker" [Z (zombie)]:
	(no stack: zombie)

)";

TEST(StackDump, ParsesOurAgentsThreads) {
  StackDump d = parse_any(kNative);
  ASSERT_EQ(d.threads.size(), 2u);
  const Thread& t = d.threads[0];
  EXPECT_EQ(t.tid, 28188);
  EXPECT_EQ(t.name, "hello");
  EXPECT_EQ(t.state, "S (sleeping)");
  ASSERT_EQ(t.frames.size(), 4u);
  EXPECT_EQ(t.frames[0].offset, 0x32u);
  EXPECT_TRUE(t.frames[1].inlined);
  EXPECT_EQ(t.frames[3].module, "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(t.frames[3].module_offset, 0x2724au);
  EXPECT_EQ(d.threads[1].notes, std::vector<std::string>{"(no stack: zombie)"});
}

// What the agentless native path prints is the agent's text, byte for
// byte, and gops' own last lines come back as notes.
TEST(StackDump, NativeTextRoundTrips) {
  EXPECT_EQ(format_native(parse_native(kNative)), kNative);
  std::string with_tail = std::string(kNative) + "(gops: 1 thread could not be stopped)\n";
  StackDump d = parse_native(with_tail);
  ASSERT_EQ(d.threads.size(), 2u);
  EXPECT_EQ(d.threads[1].frames.size(), 0u);
  EXPECT_EQ(d.notes, std::vector<std::string>{"1 thread could not be stopped"});
  d.notes.clear();
  d.paused_ms = 1.5;
  EXPECT_EQ(format_native(d), std::string(kNative) + "(gops: the target was stopped for 1.500 ms)\n");
}

// Names from another process are shown, never obeyed by the terminal.
TEST(StackDump, NativeTextEscapesControlBytes) {
  StackDump d;
  d.threads.push_back({7, "a\nthread 1 \"x\" [R]:", "S (sleeping)", {}, {}});
  Frame f;
  f.function = "f\x1b[2J";
  f.pc = 0x10;
  d.threads[0].frames.push_back(f);
  std::string out = format_native(d);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(parse_native(out).threads.size(), 1u) << out;
}

TEST(StackDump, JsonShapes) {
  auto go = nlohmann::json::parse(to_json(parse_go(kGo)));
  ASSERT_EQ(go["goroutines"].size(), 2u);
  const auto& g = go["goroutines"][1];
  EXPECT_EQ(g["id"], 18);
  EXPECT_EQ(g["wait_minutes"], 3);
  EXPECT_EQ(g["frames"][0]["function"], "runtime.gopark");
  EXPECT_EQ(g["frames"][0]["offset"], 0xce);
  EXPECT_EQ(g["frames"][1]["inlined"], true);
  EXPECT_EQ(g["frames"][3]["elided"], 7);
  EXPECT_EQ(g["created_by"]["goroutine"], 1);
  auto native = nlohmann::json::parse(to_json(parse_any(kNative)));
  ASSERT_EQ(native["threads"].size(), 2u);
  EXPECT_FALSE(native.contains("goroutines"));
  EXPECT_EQ(native["threads"][0]["frames"][3]["module_offset"], 0x2724a);
}

}  // namespace
}  // namespace gops::stackdump
