#include "protocol/port_file.hpp"

#include <gtest/gtest.h>

#include <map>

namespace gops::protocol {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigDir, FollowsGoGopsOrder) {
  EXPECT_EQ(*config_dir(env_of({{"GOPS_CONFIG_DIR", "/x"}, {"XDG_CONFIG_HOME", "/y"}, {"HOME", "/h"}})), "/x");
  EXPECT_EQ(*config_dir(env_of({{"GOPS_CONFIG_DIR", ""}, {"XDG_CONFIG_HOME", "/y"}, {"HOME", "/h"}})), "/y/gops");
  EXPECT_EQ(*config_dir(env_of({{"HOME", "/h"}})), "/h/.config/gops");
  EXPECT_FALSE(config_dir(env_of({})).ok());
}

TEST(PortFile, ParsesTrimmedPort) {
  EXPECT_EQ(port_file_path("/d", 42), "/d/42");
  EXPECT_EQ(*parse_port("40123"), 40123);
  EXPECT_EQ(*parse_port(" 40123\n"), 40123);
  EXPECT_FALSE(parse_port("").ok());
  EXPECT_FALSE(parse_port("0").ok());
  EXPECT_FALSE(parse_port("65536").ok());
  EXPECT_FALSE(parse_port("12ab").ok());
  EXPECT_FALSE(parse_port("\x01\x02garbage").ok());
}

}  // namespace
}  // namespace gops::protocol
