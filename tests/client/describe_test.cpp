#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/agent_client.hpp"

namespace gops::client {
namespace {

using protocol::Command;

TEST(ParseDescription, CommandsByNameOrByByte) {
  auto d = parse_description(R"({"agent":"gops-cpp","version":"0.1.0","commands":["stack","pprof-cpu-for",66,"future-thing",999]})");
  ASSERT_TRUE(d) << d.message();
  EXPECT_EQ(d->agent, "gops-cpp");
  EXPECT_EQ(d->version, "0.1.0");
  EXPECT_TRUE(d->supports(Command::kStack));
  EXPECT_TRUE(d->supports(Command::kCpuProfileFor));
  EXPECT_TRUE(d->supports(Command::kTraceFor));  // 66 = 0x42
  EXPECT_FALSE(d->supports(Command::kGc));
}

TEST(ParseDescription, AnythingElseIsAnError) {
  EXPECT_FALSE(parse_description("ok"));
  EXPECT_FALSE(parse_description("[1,2]"));
  EXPECT_FALSE(parse_description(R"({"agent":"x"})"));
  EXPECT_FALSE(parse_description(std::string("{\"commands\":[\0]}", 16)));
  EXPECT_FALSE(parse_description(""));
}

}  // namespace
}  // namespace gops::client
