#include "cli/exe_identities.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <string_view>
#include <system_error>
#include <thread>

namespace gops::cli {
namespace {

constexpr std::uint32_t kNone = 0xffffffff;    // no executable: a kernel thread, a zombie, or gone
constexpr std::uint32_t kFailed = 0xfffffffe;  // an error, kept in the worker's `errors`
constexpr unsigned kIndexBits = 24;            // the rest: the worker
constexpr std::size_t kBlock = 64;             // PIDs a thread takes at a time

// The tasks running or waiting for a CPU on the machine now, this one
// included: the kernel's count, as /proc/loadavg shows it in its fourth
// field ("RUNNABLE/TOTAL"). 0 if it cannot be read.
std::size_t runnable_tasks() {
  const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  std::string_view text(buf, static_cast<std::size_t>(n));
  for (int field = 0; field < 3; ++field) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos) return 0;
    text.remove_prefix(space + 1);
  }
  std::size_t runnable = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), runnable);
  return ec == std::errc{} && end != text.data() + text.size() && *end == '/' ? runnable : 0;
}

}  // namespace

std::size_t ExeIdentities::threads_for(std::size_t pids, std::size_t usable_cpus, std::size_t runnable) {
  constexpr std::size_t kMaxThreads = 4;
  constexpr std::size_t kPerThread = 256;
  if (runnable == 0) return 1;  // unknown: do not compete
  // CPUs no one else wants now: this thread runs on one of them.
  const std::size_t others = runnable - 1;
  const std::size_t idle = usable_cpus > others ? usable_cpus - others : 1;
  return std::clamp<std::size_t>(std::min({idle, pids / kPerThread, kMaxThreads}), 1, kMaxThreads);
}

std::size_t ExeIdentities::threads_for(std::size_t pids) {
  if (pids < 2 * 256) return 1;  // the answer whatever the machine does
  cpu_set_t cpus;
  std::size_t usable = 1;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == 0) usable = static_cast<std::size_t>(CPU_COUNT(&cpus));
  return threads_for(pids, usable, runnable_tasks());
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
