#include "agent/http/routes.hpp"

#include <vector>

#include "agent/http/handlers.hpp"

namespace gops::agent::http {
namespace {

constexpr std::string_view kPprofPrefix = "/debug/pprof/";

// Go's path.Clean, keeping a trailing slash (ServeMux's cleanPath).
std::string clean_path(const std::string& path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> parts;
  std::string_view rest(path);
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view part : parts) {
    out.push_back('/');
    out.append(part);
  }
  if (out.empty()) out.push_back('/');
  if (path.size() > 1 && path.back() == '/' && out.size() > 1) out.push_back('/');
  return out;
}

// The path as it goes into a Location header: unreserved bytes and '/'
// as they are, the rest %XX.
std::string escape_path(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("-._~/!$&'()*+,;=:@").find(ch) != std::string_view::npos;
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// As http.Redirect with 301.
Response redirect(const Request& request, const std::string& path) {
  std::string url = escape_path(path);
  if (!request.raw_query.empty()) url += "?" + request.raw_query;
  Response r;
  r.status = 301;
  r.set("Location", url);
  if (request.method == "GET" || request.method == "HEAD") r.set("Content-Type", "text/html; charset=utf-8");
  if (request.method == "GET") {
    std::string escaped;
    for (char c : url) {
      if (c == '&') escaped += "&amp;";
      else if (c == '<') escaped += "&lt;";
      else if (c == '>') escaped += "&gt;";
      else if (c == '"') escaped += "&#34;";
      else if (c == '\'') escaped += "&#39;";
      else escaped += c;
    }
    r.body = "<a href=\"" + escaped + "\">Moved Permanently</a>.\n\n";
  }
  return r;
}

bool method_allowed(const Request& request, bool post_too) {
  return request.method == "GET" || request.method == "HEAD" || (post_too && request.method == "POST");
}

Response method_not_allowed(bool post_too) {
  Response r = error_response(405, "Method Not Allowed");
  r.set("Allow", post_too ? "GET, HEAD, POST" : "GET, HEAD");
  return r;
}

}  // namespace

Response route(const Request& request, const CommandContext& context) {
  const std::string& path = request.path;
  if (path == "*") {
    // As Go's server: OPTIONS * is answered empty, anything else * is a
    // 400 with no body.
    Response r;
    r.status = request.method == "OPTIONS" ? 200 : 400;
    return r;
  }
  if (std::string clean = clean_path(path); clean != path) return redirect(request, clean);
  if (path == "/debug/pprof") return redirect(request, "/debug/pprof/");

  if (path == "/metrics") {
    if (!method_allowed(request, false)) return method_not_allowed(false);
    return metrics(request, context);
  }
  if (!path.starts_with(kPprofPrefix)) return error_response(404, "404 page not found");
  std::string_view name = std::string_view(path).substr(kPprofPrefix.size());
  bool post_too = name == "symbol";
  if (!method_allowed(request, post_too)) return method_not_allowed(post_too);
  if (name.empty()) return pprof_index();
  if (name == "cmdline") return pprof_cmdline();
  if (name == "profile") return pprof_profile(request, context);
  if (name == "symbol") return pprof_symbol(request);
  if (name == "trace") return pprof_trace(request, context);
  return pprof_named(name, request, context);
}

bool is_costly(const Request& request) {
  const std::string& path = request.path;
  if (!path.starts_with(kPprofPrefix)) return false;
  std::string_view name = std::string_view(path).substr(kPprofPrefix.size());
  return name == "profile" || name == "trace" || name == "symbol" || is_named_profile(name);
}

}  // namespace gops::agent::http
