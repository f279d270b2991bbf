// Parsers of the /proc text `gops process` reads: "Key: value" lines
// (status, meminfo, stat) and the NUL-separated command line. Any process
// can put what it likes in its own command line (and, through its name, in
// the Name line of its status): fuzzed (fuzz/proc_text_fuzz.cpp).
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace gops::proc {

// The value after `key` on the line that starts with it ("btime 1700000000",
// "MemTotal:  16384 kB", "Uid:\t1000\t1000..."): its first number.
template <class T>
bool find_number(std::string_view text, std::string_view key, T& out) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    std::string_view line = text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    at = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.starts_with(key)) continue;
    line.remove_prefix(key.size());
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    line.remove_prefix(start);
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), out);
    return ec == std::errc{} && (end == line.data() + line.size() || *end == ' ' || *end == '\t');
  }
  return false;
}

// argv joined by spaces, empty arguments dropped (gopsutil splits with
// strings.FieldsFunc on NUL).
std::string join_cmdline(std::string_view raw);

}  // namespace gops::proc
