#include "cli/exe_identities.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

namespace gops::cli {
namespace {

constexpr std::uint32_t kNone = 0xffffffff;    // no executable: a kernel thread, a zombie, or gone
constexpr std::uint32_t kFailed = 0xfffffffe;  // an error, kept in the worker's `errors`
constexpr unsigned kIndexBits = 24;            // the rest: the worker
constexpr std::size_t kBlock = 64;             // PIDs a thread takes at a time

}  // namespace

std::size_t ExeIdentities::threads_for(std::size_t pids) {
  constexpr std::size_t kMaxThreads = 4;
  constexpr std::size_t kPerThread = 256;
  cpu_set_t cpus;
  std::size_t usable = 1;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == 0) usable = static_cast<std::size_t>(CPU_COUNT(&cpus));
  return std::clamp<std::size_t>(std::min(usable, pids / kPerThread), 1, kMaxThreads);
}

ExeIdentities ExeIdentities::ask(const proc::ProcDir& proc_dir, const std::vector<int>& pids, std::size_t threads) {
  ExeIdentities out;
  out.codes_.resize(pids.size());
  out.workers_.resize(std::max<std::size_t>(threads, 1));
  std::atomic<std::size_t> next_block{0};

  auto work = [&](std::uint32_t w) {
    Worker& worker = out.workers_[w];
    for (;;) {
      const std::size_t from = next_block.fetch_add(kBlock, std::memory_order_relaxed);
      if (from >= pids.size()) return;
      const std::size_t to = std::min(from + kBlock, pids.size());
      for (std::size_t i = from; i < to; ++i) {
        auto identity = proc_dir.exe_identity(pids[i]);
        if (!identity) {
          out.codes_[i] = kFailed;
          worker.errors.emplace(i, identity.error());
        } else if (!*identity) {
          out.codes_[i] = kNone;
        } else {
          auto [it, added] = worker.index.try_emplace(**identity, static_cast<std::uint32_t>(worker.distinct.size()));
          if (added) worker.distinct.push_back(**identity);
          out.codes_[i] = (w << kIndexBits) | it->second;
        }
      }
    }
  };

  std::vector<std::thread> others;
  others.reserve(out.workers_.size() - 1);
  for (std::uint32_t w = 1; w < out.workers_.size(); ++w) {
    try {
      others.emplace_back(work, w);
    } catch (const std::system_error&) {
      break;  // out of threads (RLIMIT_NPROC, say): the started ones and this one do it all
    }
  }
  work(0);
  for (auto& t : others) t.join();
  return out;
}

Result<std::optional<proc::ExeIdentity>> ExeIdentities::operator[](std::size_t i) const {
  const std::uint32_t code = codes_[i];
  if (code == kNone) return std::optional<proc::ExeIdentity>();
  if (code == kFailed) {
    for (const Worker& w : workers_) {
      if (auto it = w.errors.find(i); it != w.errors.end()) return it->second;
    }
  }
  const Worker& w = workers_[code >> kIndexBits];
  return std::optional<proc::ExeIdentity>(w.distinct[code & ((1u << kIndexBits) - 1)]);
}

}  // namespace gops::cli
