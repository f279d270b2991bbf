// How our agent says it could not answer: the whole reply is one line that
// starts with kAgentErrorPrefix. The Go protocol has no status byte, so a
// Go client shows (or saves) that line as it would any reply; our CLI
// recognises it and prints it as an error instead of data.
#pragma once

#include <string>
#include <string_view>

namespace gops::protocol {

inline constexpr std::string_view kAgentErrorPrefix = "gops agent (C++): ";

// The reply that carries `message` (one line: newlines in it become spaces).
std::string agent_error_reply(std::string_view message);

// Whether `reply` (or its first bytes) is such a line.
bool is_agent_error(std::string_view reply);

// The line without its trailing newline(s), prefix kept: what the CLI prints.
std::string_view agent_error_text(std::string_view reply);

}  // namespace gops::protocol
