#include "client/endpoint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gops::client {
namespace {

using ::testing::HasSubstr;

TEST(ResolveHostPort, NumericForms) {
  auto v4 = resolve_host_port("127.0.0.1:6060");
  ASSERT_TRUE(v4) << v4.message();
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ(v4->front().display, "127.0.0.1:6060");
  auto v6 = resolve_host_port("[::1]:6060");
  ASSERT_TRUE(v6) << v6.message();
  EXPECT_EQ(v6->front().display, "[::1]:6060");
  auto empty_host = resolve_host_port(":7");
  ASSERT_TRUE(empty_host);
  EXPECT_EQ(empty_host->front().display, "127.0.0.1:7");
}

TEST(ResolveHostPort, NamesResolveToEveryAddress) {
  auto r = resolve_host_port("localhost:80");
  ASSERT_TRUE(r) << r.message();
  for (const auto& e : *r) EXPECT_TRUE(e.display == "127.0.0.1:80" || e.display == "[::1]:80") << e.display;
}

TEST(ResolveHostPort, MalformedAddressesAreErrors) {
  EXPECT_THAT(resolve_host_port("[::1:80").message(), HasSubstr("missing ']'"));
  EXPECT_THAT(resolve_host_port("::1:80").message(), HasSubstr("too many colons"));
  EXPECT_THAT(resolve_host_port("host:").message(), HasSubstr("missing port"));
  EXPECT_THAT(resolve_host_port("127.0.0.1:notaport").message(), HasSubstr("couldn't parse dst address"));
  EXPECT_THAT(resolve_host_port("127.0.0.1:99999").message(), HasSubstr("couldn't parse dst address"));
}

TEST(EndpointFor, ProcAddressesBecomeDialableEndpoints) {
  netsock::IpAddress v4;
  v4.bytes = {10, 1, 2, 3};
  EXPECT_EQ(endpoint_for(v4, 80).display, "10.1.2.3:80");
  netsock::IpAddress mapped;
  mapped.v6 = true;
  mapped.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  EXPECT_EQ(endpoint_for(mapped, 81).display, "127.0.0.1:81");
  netsock::IpAddress v6;
  v6.v6 = true;
  v6.bytes[15] = 1;
  EXPECT_EQ(endpoint_for(v6, 82).display, "[::1]:82");
  EXPECT_EQ(loopback_endpoint(83).display, "127.0.0.1:83");
}

}  // namespace
}  // namespace gops::client
