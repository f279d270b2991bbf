#include "agent/http/response.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>

namespace gops::agent::http {
namespace {

// RFC 9110's IMF-fixdate, in English whatever the host's locale.
std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t now = ::time(nullptr);
  tm t{};
  ::gmtime_r(&now, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7], t.tm_mday,
                kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

}  // namespace

void Response::set(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

const char* status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string to_wire(const Response& response, bool head_only, bool close) {
  std::vector<std::pair<std::string, std::string>> headers = response.headers;
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + status_text(response.status) + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "Date: " + http_date() + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  if (!head_only) out += response.body;
  return out;
}

Response error_response(int status, const std::string& text) {
  Response r;
  r.status = status;
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.set("X-Content-Type-Options", "nosniff");
  r.body = text + "\n";
  return r;
}

std::string unparsable_request_bytes(int status, const std::string& text) {
  const std::string headers = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  std::string code = std::to_string(status) + " " + status_text(status);
  if (status == 501) return "HTTP/1.1 " + code + headers + "Unsupported transfer encoding";
  if (!text.empty()) code += ": " + text;
  return "HTTP/1.1 " + code + headers + code;
}

}  // namespace gops::agent::http
