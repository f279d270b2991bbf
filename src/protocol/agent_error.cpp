#include "protocol/agent_error.hpp"

namespace gops::protocol {

std::string agent_error_reply(std::string_view message) {
  std::string out(kAgentErrorPrefix);
  out.reserve(out.size() + message.size() + 1);
  for (char c : message) out += c == '\n' || c == '\r' ? ' ' : c;
  out += '\n';
  return out;
}

bool is_agent_error(std::string_view reply) { return reply.starts_with(kAgentErrorPrefix); }

std::string_view agent_error_text(std::string_view reply) {
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.remove_suffix(1);
  return reply;
}

}  // namespace gops::protocol
