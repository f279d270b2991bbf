// What `gops`, `gops tree` and `gops process` print: the Go gops' text
// byte for byte, and a JSON form of the same for scripts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/go_duration.hpp"
#include "cli/process_scan.hpp"
#include "proc/process.hpp"

namespace gops::cli {

// "devel +abc123 Tue Jan 1 ..." -> "devel +abc123", as the list shows it.
std::string shorten_version(const std::string& version);

// The list: PID, PPID, name, '*' or ' ', version, path; each column padded
// to its widest entry.
std::string format_list(const std::vector<ListedProcess>& processes);

// The tree under a "..." root: each parent PID that is not itself listed as
// a branch, the listed processes as "PID (name) {version}", agents with
// "[*]". Unlike the Go gops, a listed process whose parent is also listed is
// always shown, under its parent.
std::string format_tree(const std::vector<ListedProcess>& processes);

// `gops process`: `period_cpu` is the CPU percentage over `period`, if asked.
struct PeriodUsage {
  Nanoseconds period;
  double cpu_percent;
};
std::string format_details(const proc::Details& d, bool parent_exists, std::int64_t now_ms,
                           const std::optional<PeriodUsage>& usage);

nlohmann::json list_json(const std::vector<ListedProcess>& processes);
nlohmann::json tree_json(const std::vector<ListedProcess>& processes);
nlohmann::json details_json(const proc::Details& d, std::int64_t now_ms,
                            const std::optional<PeriodUsage>& usage);

}  // namespace gops::cli
