#include <nlohmann/json.hpp>

#include "stackdump/stack_dump.hpp"

namespace gops::stackdump {
namespace {

using nlohmann::json;

json frame_json(const Frame& f) {
  if (f.elision) return f.elided ? json{{"elided", f.elided}} : json{{"elided", "additional"}};
  json j{{"function", f.function}};
  if (!f.args.empty() && !f.inlined) j["args"] = f.args;
  if (!f.file.empty()) {
    j["file"] = f.file;
    j["line"] = f.line;
  }
  if (f.pc) j["pc"] = *f.pc;
  if (f.offset) j["offset"] = *f.offset;
  j["inlined"] = f.inlined;
  if (!f.module.empty()) j["module"] = f.module;
  if (f.module_offset) j["module_offset"] = *f.module_offset;
  return j;
}

json frames_json(const std::vector<Frame>& frames) {
  json a = json::array();
  for (const Frame& f : frames) a.push_back(frame_json(f));
  return a;
}

}  // namespace

std::string to_json(const StackDump& dump) {
  json root = json::object();
  if (!dump.threads.empty() || dump.goroutines.empty()) {
    json threads = json::array();
    for (const Thread& t : dump.threads) {
      json j{{"tid", t.tid}, {"name", t.name}, {"state", t.state}, {"frames", frames_json(t.frames)}};
      if (!t.notes.empty()) j["notes"] = t.notes;
      threads.push_back(std::move(j));
    }
    if (!dump.threads.empty()) root["threads"] = std::move(threads);
  }
  if (!dump.goroutines.empty() || dump.threads.empty()) {
    json gs = json::array();
    for (const Goroutine& g : dump.goroutines) {
      json j{{"id", g.id},
             {"status", g.status},
             {"wait_minutes", g.wait_minutes},
             {"locked_to_thread", g.locked_to_thread},
             {"frames", frames_json(g.frames)}};
      if (g.created_by) {
        const CreatedBy& c = *g.created_by;
        json cj{{"function", c.function}, {"file", c.file}, {"line", c.line}};
        if (c.goroutine) cj["goroutine"] = *c.goroutine;
        if (c.offset) cj["offset"] = *c.offset;
        if (c.pc) cj["pc"] = *c.pc;
        j["created_by"] = std::move(cj);
      }
      if (!g.notes.empty()) j["notes"] = g.notes;
      if (!g.stopped.empty()) j["stopped"] = g.stopped;
      if (g.thread) j["thread"] = *g.thread;
      if (g.stale) j["stale"] = true;
      gs.push_back(std::move(j));
    }
    root["goroutines"] = std::move(gs);
  }
  if (dump.invalid) root["invalid"] = dump.invalid;
  if (dump.changing) root["changing"] = dump.changing;
  if (dump.paused_ms) root["paused_ms"] = *dump.paused_ms;
  if (!dump.notes.empty()) root["notes"] = dump.notes;
  // Names and paths come from other people's processes and files: bytes
  // that are not UTF-8 become U+FFFD rather than an exception.
  return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace gops::stackdump
