// The headers nearly every test includes, compiled once per clang build as
// a precompiled header that every test binary reuses (gops_test in
// tests/CMakeLists.txt). GoogleTest, gmock and nlohmann/json cost one to
// two seconds of parsing in each of about ninety test sources, per preset.
// Each test still includes what it uses; this list only makes it cheaper.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
