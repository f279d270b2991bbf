#include "cli/process_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/text.hpp"

namespace gops::cli {
namespace {

void pad_to(std::string& out, const std::string& s, std::size_t width) {
  out += s;
  if (s.size() < width) out.append(width - s.size(), ' ');
}

// Children of each PID, in (PPID, PID) order; the Go gops sorts by PPID only,
// with an unstable sort, so its order among siblings varies from run to run.
struct Forest {
  std::map<int, std::vector<const ListedProcess*>> children;
  std::set<int> listed;
  std::vector<int> roots;  // parent PIDs that are not listed themselves
};

Forest build_forest(const std::vector<ListedProcess>& processes) {
  std::vector<const ListedProcess*> sorted;
  for (const auto& p : processes) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return a->ppid != b->ppid ? a->ppid < b->ppid : a->pid < b->pid;
  });
  Forest f;
  for (auto* p : sorted) {
    f.children[p->ppid].push_back(p);
    f.listed.insert(p->pid);
  }
  for (auto& [ppid, kids] : f.children) {
    if (!f.listed.contains(ppid)) f.roots.push_back(ppid);
  }
  // A cycle of listed processes (a reused PID can make one) has no root:
  // show its lowest member as one so nothing listed is lost.
  std::set<int> reachable;
  std::vector<int> stack(f.roots.begin(), f.roots.end());
  while (!stack.empty()) {
    int pid = stack.back();
    stack.pop_back();
    for (auto* c : f.children[pid])
      if (reachable.insert(c->pid).second) stack.push_back(c->pid);
  }
  for (auto* p : sorted) {
    if (!reachable.contains(p->pid)) {
      f.roots.push_back(p->ppid);
      stack.push_back(p->ppid);
      while (!stack.empty()) {
        int pid = stack.back();
        stack.pop_back();
        for (auto* c : f.children[pid])
          if (reachable.insert(c->pid).second) stack.push_back(c->pid);
      }
    }
  }
  return f;
}

// xlab/treeprint's layout: "├── " / "└── " edges, "│   " or four spaces
// for each ancestor level depending on whether that level has ended.
class TreePrinter {
 public:
  explicit TreePrinter(const Forest& f) : f_(f) {}

  std::string print() {
    out_ = "...\n";
    std::set<int> printed;
    for (std::size_t i = 0; i < f_.roots.size(); ++i) {
      line(std::to_string(f_.roots[i]), i + 1 == f_.roots.size(), nullptr);
      children(f_.roots[i], printed);
      ended_.pop_back();
    }
    return out_;
  }

 private:
  void line(const std::string& value, bool last, const ListedProcess* p) {
    for (bool ended : ended_) out_ += ended ? "    " : "\xE2\x94\x82   ";  // "│   "
    out_ += last ? "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80" : "\xE2\x94\x9C\xE2\x94\x80\xE2\x94\x80";
    if (p != nullptr && p->agent) out_ += " [*] ";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
    ended_.push_back(last);
  }

  void children(int pid, std::set<int>& printed) {
    auto it = f_.children.find(pid);
    if (it == f_.children.end()) return;
    const auto& kids = it->second;
    for (std::size_t i = 0; i < kids.size(); ++i) {
      const ListedProcess* c = kids[i];
      if (!printed.insert(c->pid).second) continue;
      line(fmt::format("{} ({}) {{{}}}", c->pid, c->name, c->version), i + 1 == kids.size(), c);
      children(c->pid, printed);
      ended_.pop_back();
    }
  }

  const Forest& f_;
  std::vector<bool> ended_;
  std::string out_;
};

// JSON strings are UTF-8; names, paths and command lines are whatever bytes
// their owner chose. A value that is not UTF-8 is written with U+FFFD for
// each bad byte, and its exact bytes go beside it as KEY_base64.
void put_text(nlohmann::json& j, const char* key, const std::string& value) {
  if (text::is_valid_utf8(value)) {
    j[key] = value;
    return;
  }
  j[key] = text::to_valid_utf8(value);
  j[std::string(key) + "_base64"] = text::base64(value);
}

nlohmann::json process_json(const ListedProcess& p) {
  nlohmann::json j = {{"pid", p.pid}, {"ppid", p.ppid}};
  put_text(j, "name", p.name);
  put_text(j, "path", p.path);
  put_text(j, "version", p.version);
  j["go"] = p.go;
  j["agent"] = p.agent;
  return j;
}

}  // namespace

std::string shorten_version(const std::string& v) {
  // The Go gops: the first match of `devel\s+\+\w+`.
  if (!v.starts_with("devel")) return v;
  for (std::size_t start = 0; (start = v.find("devel", start)) != std::string::npos; ++start) {
    std::size_t i = start + 5, spaces = i;
    while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    if (i == spaces || i >= v.size() || v[i] != '+') continue;
    std::size_t word = ++i;
    while (i < v.size() && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '_')) ++i;
    if (i > word) return v.substr(start, i - start);
  }
  return v;
}

std::string format_list(const std::vector<ListedProcess>& processes) {
  std::size_t w_pid = 0, w_ppid = 0, w_name = 0, w_version = 0;
  std::vector<std::string> versions;
  for (const auto& p : processes) {
    versions.push_back(shorten_version(p.version));
    w_pid = std::max(w_pid, std::to_string(p.pid).size());
    w_ppid = std::max(w_ppid, std::to_string(p.ppid).size());
    w_name = std::max(w_name, p.name.size());
    w_version = std::max(w_version, versions.back().size());
  }
  std::string out;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    const auto& p = processes[i];
    pad_to(out, std::to_string(p.pid), w_pid);
    out += ' ';
    pad_to(out, std::to_string(p.ppid), w_ppid);
    out += ' ';
    pad_to(out, p.name, w_name);
    out += p.agent ? '*' : ' ';
    out += ' ';
    pad_to(out, versions[i], w_version);
    out += ' ';
    out += p.path;
    out += '\n';
  }
  return out;
}

std::string format_tree(const std::vector<ListedProcess>& processes) {
  Forest f = build_forest(processes);
  // fmt.Println of the tree's text, which already ends in a newline.
  return TreePrinter(f).print() + "\n";
}

std::string format_details(const proc::Details& d, bool parent_exists, std::int64_t now_ms,
                           const std::optional<PeriodUsage>& usage) {
  std::string out;
  if (parent_exists) out += fmt::format("parent PID:\t{}\n", d.ppid);
  out += fmt::format("threads:\t{}\n", d.threads);
  out += fmt::format("memory usage:\t{:.3f}%\n", d.memory_percent);
  out += fmt::format("cpu usage:\t{:.3f}%\n", d.cpu_percent);
  if (usage) out += fmt::format("cpu usage ({}):\t{:.3f}%\n", format_go_duration(usage->period), usage->cpu_percent);
  if (d.username) out += fmt::format("username:\t{}\n", *d.username);
  out += fmt::format("cmd+args:\t{}\n", d.cmdline);
  // The Go gops measures from the start time cut to whole seconds.
  out += fmt::format("elapsed time:\t{}\n", proc::format_etime(now_ms / 1000 - d.create_time_ms / 1000));
  for (const auto& c : d.connections) {
    out += fmt::format("local/remote:\t{}:{} <-> {}:{} ({})\n", c.local_addr, c.local_port, c.remote_addr,
                       c.remote_port, c.status);
  }
  return out;
}

nlohmann::json list_json(const std::vector<ListedProcess>& processes) {
  auto out = nlohmann::json::array();
  for (const auto& p : processes) out.push_back(process_json(p));
  return out;
}

nlohmann::json tree_json(const std::vector<ListedProcess>& processes) {
  Forest f = build_forest(processes);
  std::set<int> printed;
  auto subtree = [&](auto&& self, int pid) -> nlohmann::json {
    auto kids = nlohmann::json::array();
    auto it = f.children.find(pid);
    if (it == f.children.end()) return kids;
    for (const ListedProcess* c : it->second) {
      if (!printed.insert(c->pid).second) continue;
      auto node = process_json(*c);
      node["children"] = self(self, c->pid);
      kids.push_back(std::move(node));
    }
    return kids;
  };
  auto roots = nlohmann::json::array();
  for (int root : f.roots) roots.push_back({{"pid", root}, {"children", subtree(subtree, root)}});
  return roots;
}

nlohmann::json details_json(const proc::Details& d, std::int64_t now_ms, const std::optional<PeriodUsage>& usage) {
  auto conns = nlohmann::json::array();
  for (const auto& c : d.connections) {
    conns.push_back({{"local_addr", c.local_addr},
                     {"local_port", c.local_port},
                     {"remote_addr", c.remote_addr},
                     {"remote_port", c.remote_port},
                     {"status", c.status}});
  }
  nlohmann::json j = {{"pid", d.pid},
                      {"ppid", d.ppid},
                      {"threads", d.threads},
                      {"memory_percent", d.memory_percent},
                      {"cpu_percent", d.cpu_percent}};
  if (d.username)
    put_text(j, "username", *d.username);
  else
    j["username"] = nullptr;
  j["uid"] = d.uid;
  put_text(j, "cmdline", d.cmdline);
  j["create_time_ms"] = d.create_time_ms;
  j["elapsed_seconds"] = now_ms / 1000 - d.create_time_ms / 1000;
  j["connections"] = conns;
  if (usage) {
    j["period_seconds"] = std::chrono::duration<double>(usage->period).count();
    j["period_cpu_percent"] = usage->cpu_percent;
  }
  return j;
}

}  // namespace gops::cli
