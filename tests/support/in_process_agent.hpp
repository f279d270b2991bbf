// A fixture with our agent listening inside the test process itself, for
// the tests of the API, the stack dump and the CPU profiler in process.
#pragma once

#include <gops/agent.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "support/raw_client.hpp"
#include "support/process.hpp"

namespace gops::test {

class InProcessAgent : public ::testing::Test {
 protected:
  // Called before listen(): a fixture sets its own options here.
  virtual void configure(agent::Options& options) { options.config_dir = dir_.path() + "/gops"; }

  void SetUp() override {
    configure(options_);
    auto r = agent::listen(options_);
    ASSERT_TRUE(r.ok) << r.error;
    port_ = r.port;
    http_port_ = r.http_port;
  }
  void TearDown() override { agent::close(); }

  // One request on a new connection: the whole reply, up to the agent's
  // end of stream.
  std::string ask(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    RawReply r = raw_request(port_, bytes, timeout);
    EXPECT_TRUE(r.connected && r.eof) << "no complete reply";
    return r.bytes;
  }

  TempDir dir_;
  agent::Options options_;
  std::uint16_t port_ = 0;
  std::uint16_t http_port_ = 0;  // when options_.http_address is set
};

}  // namespace gops::test
