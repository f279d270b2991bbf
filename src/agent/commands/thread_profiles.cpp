#include "agent/commands/thread_profiles.hpp"

#include <algorithm>
#include <cstdio>

#include "pprof/profile_builder.hpp"
#include "symbolize/in_process.hpp"

namespace gops::agent {
namespace {

// The C and C++ runtimes' objects: a thread's first frames are theirs
// (clone3, start_thread, std::thread's trampoline; _start and
// __libc_start_main for the main thread).
bool in_runtime(std::uintptr_t pc) {
  symbolize::ModuleLocation where = symbolize::module_location(pc);
  if (where.symbol == "_start") return true;
  const std::string& m = where.module;
  for (const char* prefix : {"libc.so", "libc-", "libpthread", "libstdc++", "libc++", "ld-linux", "ld64"})
    if (m.starts_with(prefix)) return true;
  return false;
}

// The outermost frames up to and including the first one outside the
// runtimes: where the thread began.
std::vector<std::uintptr_t> thread_origin(const std::vector<std::uintptr_t>& pcs) {
  std::size_t keep = pcs.size();
  while (keep > 0) {
    std::size_t i = keep - 1;
    std::uintptr_t lookup = i > 0 ? pcs[i] - 1 : pcs[i];
    if (!in_runtime(lookup)) break;
    --keep;
  }
  std::size_t from = keep > 0 ? keep - 1 : 0;
  return {pcs.begin() + static_cast<std::ptrdiff_t>(from), pcs.end()};
}

std::string hex(std::uintptr_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#zx", static_cast<std::size_t>(v));
  return buf;
}

}  // namespace

const char* profile_name(ThreadProfile kind) {
  return kind == ThreadProfile::kGoroutine ? "goroutine" : "threadcreate";
}

StackCounts count_thread_stacks(const std::vector<ThreadStack>& threads, ThreadProfile kind) {
  StackCounts counts;
  for (const ThreadStack& t : threads) {
    if (kind == ThreadProfile::kGoroutine) ++counts[t.pcs];
    else ++counts[thread_origin(t.pcs)];
  }
  return counts;
}

StackCounts subtract(const StackCounts& later, const StackCounts& earlier) {
  StackCounts out = later;
  for (const auto& [stack, n] : earlier) out[stack] -= n;
  std::erase_if(out, [](const auto& entry) { return entry.second == 0; });
  return out;
}

Result<std::string> thread_profile_proto(ThreadProfile kind, const StackCounts& counts, std::int64_t time_nanos,
                                         std::int64_t duration_nanos) {
  pprof::ProfileSpec spec;
  spec.sample_types = {{profile_name(kind), "count"}};
  spec.period_type = {profile_name(kind), "count"};
  spec.period = 1;
  spec.time_nanos = time_nanos;
  spec.duration_nanos = duration_nanos;
  pprof::ProfileBuilder builder(std::move(spec));
  for (const auto& [stack, n] : counts) {
    const std::int64_t values[] = {n};
    builder.add_sample(stack, values);
  }
  return builder.build_gzipped();
}

std::string legacy_stack_lines(const std::vector<std::uintptr_t>& pcs, bool first_is_return_address) {
  std::string out;
  for (std::size_t i = 0; i < pcs.size(); ++i) {
    std::uintptr_t lookup = i > 0 || first_is_return_address ? pcs[i] - 1 : pcs[i];
    std::vector<symbolize::SourceFrame> frames = symbolize::source_frames(lookup);
    symbolize::ModuleLocation where = symbolize::module_location(lookup);
    if (frames.empty() || frames.back().function.empty()) {
      out += "#\t" + hex(lookup);
      if (!where.symbol.empty()) out += "\t" + where.symbol + "+" + hex(where.symbol_offset);
      out += "\n";
      continue;
    }
    for (const symbolize::SourceFrame& f : frames) {
      out += "#\t" + hex(lookup) + "\t" + f.function + "+" + hex(where.symbol_offset) + "\t" +
             (f.file.empty() ? where.module : f.file) + ":" + std::to_string(f.line) + "\n";
    }
  }
  out += "\n";
  return out;
}

std::string thread_profile_text(ThreadProfile kind, const StackCounts& counts) {
  std::int64_t total = 0;
  std::vector<std::pair<const std::vector<std::uintptr_t>*, std::int64_t>> order;
  for (const auto& [stack, n] : counts) {
    total += n;
    order.emplace_back(&stack, n);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out = std::string(profile_name(kind)) + " profile: total " + std::to_string(total) + "\n";
  // Threads without a stack are in the total, and in a comment: the
  // format (and pprof's reader of it) wants an address on each count line.
  if (auto none = counts.find({}); none != counts.end())
    out += "# " + std::to_string(none->second) + " without a stack (the agent's own, or not answering): see "
           "goroutine?debug=2\n";
  for (const auto& [stack, n] : order) {
    if (stack->empty()) continue;
    // Every address as a return address, as Go writes them (readers step
    // each back by one): the interrupted pc one past where it was.
    out += std::to_string(n) + " @";
    for (std::size_t i = 0; i < stack->size(); ++i) out += " " + hex((*stack)[i] + (i == 0 ? 1 : 0));
    out += "\n";
    out += legacy_stack_lines(*stack, false);
  }
  return out;
}

}  // namespace gops::agent
