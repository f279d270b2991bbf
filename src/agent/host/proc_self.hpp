// Small facts about this process from /proc/self. Not async-signal-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gops::agent {

// The whole of a small /proc file, at most `limit` bytes; empty on error.
std::string read_proc_file(const std::string& path, std::size_t limit = 1 << 16);

// A "Key:   123 kB" line of a /proc status file, in bytes (or the bare
// number for lines without a unit, like "Threads:").
std::optional<std::uint64_t> status_value(std::string_view status, std::string_view key);

int count_dir_entries(const char* path);  // -1 on error; "." and ".." excluded

// Seconds since this process started (from /proc/self/stat and /proc/uptime).
std::optional<double> uptime_seconds();

}  // namespace gops::agent
