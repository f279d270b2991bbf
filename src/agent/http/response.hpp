// An HTTP response of the agent's endpoint, and its bytes on the wire as
// Go's net/http writes them: the status line, the headers sorted by name,
// Date, Content-Length (every body is whole before it is sent). Not
// async-signal-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gops::agent::http {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set(std::string name, std::string value);  // replaces one of that name
};

// "OK", "Not Found", ...
const char* status_text(int status);

// The whole response; without the body for a HEAD request. `close` adds
// "Connection: close" (the connection ends after it).
std::string to_wire(const Response& response, bool head_only, bool close);

// As http.Error: text/plain, nosniff, the text and a newline.
Response error_response(int status, const std::string& text);

// The bytes Go's server writes for a request it cannot parse, then closes:
// "HTTP/1.1 400 Bad Request\r\n...\r\n\r\n400 Bad Request" (with ": text"
// on both when there is a text; 501 says "Unsupported transfer encoding").
std::string unparsable_request_bytes(int status, const std::string& text);

}  // namespace gops::agent::http
