#include "agent/server/request_parser.hpp"

#include <algorithm>
#include <cstdint>

namespace gops::agent {

RequestParser::State RequestParser::feed(std::span<const std::uint8_t> bytes, std::size_t* used) {
  std::size_t i = 0;
  for (; i < bytes.size() && state_ == State::kNeedMore; ++i) {
    if (!have_command_) {
      auto command = protocol::command_from_byte(bytes[i]);
      if (!command) {
        state_ = State::kBad;
      } else {
        request_.command = *command;
        have_command_ = true;
        if (!protocol::takes_varint(*command)) state_ = State::kComplete;
      }
      continue;
    }
    switch (parameter_.feed(bytes[i])) {
      case protocol::VarintState::kNeedMore:
        break;
      case protocol::VarintState::kOverflow:
        state_ = State::kBad;
        break;
      case protocol::VarintState::kDone:
        request_.parameter =
            request_.command == protocol::Command::kSetGcPercent
                ? parameter_.svalue()
                : static_cast<std::int64_t>(std::min<std::uint64_t>(parameter_.uvalue(), INT64_MAX));
        state_ = State::kComplete;
        break;
    }
  }
  if (used != nullptr) *used = i;
  return state_;
}

}  // namespace gops::agent
