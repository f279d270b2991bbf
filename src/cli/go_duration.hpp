// Durations as Go's time package reads and prints them, because `gops PID 2s`
// takes a Go duration and echoes it back in "cpu usage (2s):".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gops::cli {

using Nanoseconds = std::chrono::nanoseconds;

// time.ParseDuration: "300ms", "-1.5h", "2h45m", "1m30s", "0"; units ns, us,
// µs, μs, ms, s, m, h. nullopt on anything else or on overflow.
std::optional<Nanoseconds> parse_go_duration(std::string_view text);

// The period argument of `gops process PID [period]`: a Go duration, else a
// plain number of seconds (as the Go gops falls back to strconv.Atoi).
std::optional<Nanoseconds> parse_period(std::string_view text);

// time.Duration.String(): "2s", "1m30s", "500ms", "1.5µs", "1h0m0s", "0s".
std::string format_go_duration(Nanoseconds d);

}  // namespace gops::cli
