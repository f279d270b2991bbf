// Asking the HTTP routes directly, in this process (no sockets): a request
// parsed from its bytes as the server would, and a header of the response.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "agent/http/routes.hpp"

namespace gops::agent::http {

inline Response route_request(const std::string& target, const std::string& method = "GET",
                              const std::string& body = "") {
  std::string bytes = method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
  RequestParser parser;
  EXPECT_EQ(parser.feed({bytes.data(), bytes.size()}), RequestParser::State::kComplete) << bytes;
  static Options options;
  static Counters counters;
  CommandContext context{&options, &counters, {}};
  return route(parser.request(), context);
}

// The value of header `name`, or "<none>".
inline std::string header(const Response& r, const std::string& name) {
  for (const auto& [key, value] : r.headers)
    if (key == name) return value;
  return "<none>";
}

}  // namespace gops::agent::http
