// JSON text for the agent's replies (describe, trace), written by hand: the
// agent links no JSON library into its host.
#pragma once

#include <string>

namespace gops::agent {

// A JSON string literal, quotes included; control characters escaped so a
// reply stays one line.
std::string json_string(const std::string& s);

// Appends `json_string(s)` to `out` without a temporary.
void append_json_string(std::string& out, const std::string& s);

}  // namespace gops::agent
