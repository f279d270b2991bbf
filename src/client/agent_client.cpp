#include "client/agent_client.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "protocol/varint.hpp"

namespace gops::client {
namespace {

using protocol::Command;

// A command byte and its parameters (at most one varint).
struct Request {
  std::array<std::uint8_t, 1 + protocol::kMaxVarintLen64> bytes{};
  std::size_t size = 0;
  operator std::span<const std::uint8_t>() const { return {bytes.data(), size}; }  // NOLINT
};

Request request(Command c, std::span<const std::uint8_t> params = {}) {
  Request r;
  r.bytes[r.size++] = protocol::byte_of(c);
  for (std::uint8_t b : params.first(std::min(params.size(), protocol::kMaxVarintLen64))) r.bytes[r.size++] = b;
  return r;
}

}  // namespace

bool AgentDescription::supports(Command c) const {
  return std::find(commands.begin(), commands.end(), c) != commands.end();
}

Result<AgentDescription> parse_description(std::string_view reply) {
  auto json = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Error{"the agent's describe reply is not a JSON object"};
  AgentDescription d;
  if (auto it = json.find("agent"); it != json.end() && it->is_string()) d.agent = it->get<std::string>();
  if (auto it = json.find("version"); it != json.end() && it->is_string()) d.version = it->get<std::string>();
  auto cmds = json.find("commands");
  if (cmds == json.end() || !cmds->is_array()) return Error{"the agent's describe reply has no command list"};
  for (const auto& c : *cmds) {
    std::optional<Command> cmd;
    if (c.is_number_unsigned() && c.get<std::uint64_t>() <= 0xff) {
      cmd = protocol::command_from_byte(static_cast<std::uint8_t>(c.get<std::uint64_t>()));
    } else if (c.is_string()) {
      const auto& name = c.get_ref<const std::string&>();
      for (unsigned b = 0; b <= 0xff && !cmd; ++b) {
        auto known = protocol::command_from_byte(static_cast<std::uint8_t>(b));
        if (known && protocol::command_name(*known) == name) cmd = known;
      }
    }
    if (cmd) d.commands.push_back(*cmd);  // unknown entries: newer agents may offer more
  }
  return d;
}

Result<std::string> AgentClient::text_command(Command c, std::span<const std::uint8_t> params) const {
  auto req = request(c, params);
  auto reply = exchange_text(endpoints_, req, timeouts_);
  if (!reply) return reply.error();
  if (reply->empty())
    return Error{"the agent at " + address() + " closed the connection without a reply to " +
                 std::string(protocol::command_name(c))};
  return reply;
}

Result<std::string> AgentClient::stack() const { return text_command(Command::kStack); }
Result<std::string> AgentClient::memstats() const { return text_command(Command::kMemStats); }
Result<std::string> AgentClient::version() const { return text_command(Command::kVersion); }
Result<std::string> AgentClient::stats() const { return text_command(Command::kStats); }

Status AgentClient::gc() const {
  auto reply = text_command(Command::kGc);
  if (!reply) return reply.error();
  return Ok{};
}

Result<std::string> AgentClient::set_gc_percent(std::int64_t percent) const {
  auto v = protocol::put_varint(percent);
  return text_command(Command::kSetGcPercent, v.view());
}

Result<std::uint64_t> AgentClient::heap_profile(const Sink& sink) const {
  return exchange(endpoints_, request(Command::kHeapProfile), timeouts_, sink);
}

Result<std::uint64_t> AgentClient::binary(const Sink& sink) const {
  return exchange(endpoints_, request(Command::kBinaryDump), timeouts_, sink);
}

Result<std::uint64_t> AgentClient::cpu_profile(const Sink& sink, Millis length) const {
  return timed_command(Command::kCpuProfile, length, sink);
}

Result<std::uint64_t> AgentClient::trace(const Sink& sink, Millis length) const {
  return timed_command(Command::kTrace, length, sink);
}

namespace {

struct TimedCommand {
  Command extension;
  Millis fixed_length;
};

TimedCommand timed(Command fixed) {
  if (fixed == Command::kTrace) return {Command::kTraceFor, kGoTraceLength};
  return {Command::kCpuProfileFor, kGoCpuProfileLength};
}

}  // namespace

Status AgentClient::check_length(Command fixed, Millis length) const {
  auto [extension, fixed_length] = timed(fixed);
  if (length == fixed_length) return Ok{};
  auto description = describe();
  if (!description) return description.error();
  if (*description && (*description)->supports(extension)) return Ok{};
  auto secs = std::to_string(fixed_length.count() / 1000);
  return Error{"the agent at " + address() + " runs " + std::string(protocol::command_name(fixed)) + " for a fixed " +
               secs + " s (it does not offer other lengths): drop --seconds or use --seconds " + secs};
}

Result<std::uint64_t> AgentClient::timed_command(Command fixed, Millis length, const Sink& sink) const {
  Timeouts t = timeouts_;
  t.work = length;
  auto [extension, fixed_length] = timed(fixed);
  if (length == fixed_length) return exchange(endpoints_, request(fixed), t, sink);
  if (auto s = check_length(fixed, length); !s) return s.error();
  auto ms = protocol::put_uvarint(static_cast<std::uint64_t>(length.count()));
  return exchange(endpoints_, request(extension, ms.view()), t, sink);
}

Result<std::optional<AgentDescription>> AgentClient::describe() const {
  if (description_) return *description_;
  auto reply = exchange_text(endpoints_, request(Command::kDescribe), timeouts_, 1u << 20);
  if (!reply) return reply.error();
  Result<std::optional<AgentDescription>> answer = std::optional<AgentDescription>{};
  if (!reply->empty()) {
    auto d = parse_description(*reply);
    answer = d ? Result<std::optional<AgentDescription>>(std::optional<AgentDescription>{std::move(*d)})
               : Result<std::optional<AgentDescription>>(d.error());
  }
  description_ = answer;
  return answer;
}

}  // namespace gops::client
