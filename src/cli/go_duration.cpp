#include "cli/go_duration.hpp"

#include <charconv>
#include <cstdint>

namespace gops::cli {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t nanos;
};

// Longest names first so "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ns", 1},          {"us", 1'000},          {"\xC2\xB5s", 1'000}, {"\xCE\xBCs", 1'000},
    {"ms", 1'000'000},  {"s", 1'000'000'000},   {"m", 60'000'000'000}, {"h", 3'600'000'000'000},
};

constexpr std::uint64_t kMaxNanos = 1ULL << 63;  // |min int64|

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Nanoseconds> parse_go_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanoseconds(0);
  if (s.empty()) return std::nullopt;

  std::uint64_t total = 0;
  while (!s.empty()) {
    // Integer part, then an optional fraction; at least one digit overall.
    std::uint64_t whole = 0;
    std::size_t i = 0;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > (kMaxNanos - 9) / 10) overflow = true;
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    std::size_t int_digits = i;
    std::uint64_t frac = 0, scale = 1;
    std::size_t frac_digits = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && is_digit(s[i]); ++i, ++frac_digits) {
        if (scale > kMaxNanos / 10) continue;  // further digits cannot matter
        frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (int_digits == 0 && frac_digits == 0) return std::nullopt;
    if (overflow) return std::nullopt;
    s.remove_prefix(i);

    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.starts_with(u.name) && (unit == nullptr || u.name.size() > unit->name.size())) unit = &u;
    }
    if (unit == nullptr) return std::nullopt;
    s.remove_prefix(unit->name.size());

    if (whole > kMaxNanos / unit->nanos) return std::nullopt;
    std::uint64_t v = whole * unit->nanos;
    // frac/scale of a unit, computed without overflow for units <= 1h.
    v += static_cast<std::uint64_t>(static_cast<long double>(frac) * unit->nanos / scale);
    if (v > kMaxNanos || total > kMaxNanos - v) return std::nullopt;
    total += v;
  }
  if (!negative && total == kMaxNanos) return std::nullopt;
  auto signed_total = negative ? -static_cast<std::int64_t>(total - 1) - 1 : static_cast<std::int64_t>(total);
  return Nanoseconds(signed_total);
}

std::optional<Nanoseconds> parse_period(std::string_view text) {
  if (auto d = parse_go_duration(text)) return d;
  long long secs = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (secs > 9'223'372'036 || secs < -9'223'372'036) return std::nullopt;
  return Nanoseconds(secs * 1'000'000'000LL);
}

namespace {

// Appends v / 10^prec with the fraction's trailing zeros (and a bare '.') cut,
// as Go's fmtFrac + fmtInt do.
void append_fixed(std::string& out, std::uint64_t v, int prec) {
  std::uint64_t pow = 1;
  for (int i = 0; i < prec; ++i) pow *= 10;
  out += std::to_string(v / pow);
  std::uint64_t frac = v % pow;
  if (frac == 0) return;
  std::string digits(static_cast<std::size_t>(prec), '0');
  for (int i = prec - 1; i >= 0; --i, frac /= 10) digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}

}  // namespace

std::string format_go_duration(Nanoseconds d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out;
  std::uint64_t u = static_cast<std::uint64_t>(n);
  if (n < 0) {
    out += '-';
    u = -u;
  }
  if (u < 1'000'000'000) {
    // Below one second: the largest of ns, µs, ms that keeps an integer part.
    if (u < 1'000) {
      out += std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      append_fixed(out, u, 3);
      out += "\xC2\xB5s";
    } else {
      append_fixed(out, u, 6);
      out += "ms";
    }
    return out;
  }
  std::uint64_t secs_nanos = u % 60'000'000'000;
  std::uint64_t mins = u / 60'000'000'000;
  if (mins >= 60) {
    out += std::to_string(mins / 60) + "h";
    mins %= 60;
    out += std::to_string(mins) + "m";
  } else if (mins > 0) {
    out += std::to_string(mins) + "m";
  }
  append_fixed(out, secs_nanos, 9);
  out += 's';
  return out;
}

}  // namespace gops::cli
