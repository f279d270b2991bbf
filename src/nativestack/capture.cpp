#include "nativestack/capture.hpp"

#include <sys/mman.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "attach/proc_task.hpp"
#include "attach/process_memory.hpp"

namespace gops::nativestack {
namespace {

// The process's mappings, [start, end) sorted, from /proc/PID/maps: a
// thread's window is cut at the end of the mapping its stack pointer is in,
// so that every window can be read whole in one batched call.
std::vector<std::pair<std::uint64_t, std::uint64_t>> read_mappings(pid_t pid, pid_t tid) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/maps";
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return out;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    char* end = nullptr;
    std::uint64_t lo = std::strtoull(line, &end, 16);
    if (end == line || *end != '-') continue;
    std::uint64_t hi = std::strtoull(end + 1, nullptr, 16);
    if (hi > lo) out.emplace_back(lo, hi);
    // A long line (a path) is read on in pieces: skip the rest of it.
    while (std::strchr(line, '\n') == nullptr && std::fgets(line, sizeof line, f)) {
    }
  }
  std::fclose(f);
  std::sort(out.begin(), out.end());
  return out;
}

// The end of the mapping that holds `addr`, or 0 if none known does.
std::uint64_t mapping_end(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& maps, std::uint64_t addr) {
  auto it = std::upper_bound(maps.begin(), maps.end(), std::make_pair(addr, UINT64_MAX));
  if (it == maps.begin()) return 0;
  --it;
  return addr < it->second ? it->second : 0;
}

// A window on its own, for a thread whose stack is in no known mapping (a
// thread started since): a short count means the mapping ends inside it.
std::size_t copy_window(pid_t pid, std::uint64_t addr, std::uint8_t* out, std::size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), size};
  for (;;) {
    ssize_t got = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return 0;
  }
}

// Arena bytes per thread: two pages covers the used stack of a thread parked
// in a system call and the thread block above it. Only one page per thread
// is made present before the stop (a thread parked in a futex needs about
// 2.1 KiB): all of it was 10 MB zeroed for 1000 threads, most of it never
// used; a deeper stack takes its page faults inside the pause instead.
constexpr std::size_t kArenaPerThread = 8192;
constexpr std::size_t kArenaPresentPerThread = 4096;

}  // namespace

CopyArena::CopyArena(std::size_t size, std::size_t present) {
  if (size == 0) return;
  // In huge pages where the kernel allows them (transparent huge pages on
  // madvise, Debian's default): populating 9 MB page by page cost 2300
  // page faults, about 10 ms on a virtual machine; in 2 MiB pages it is 5.
  size = (size + kHugePage - 1) / kHugePage * kHugePage;
  void* p = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;  // no arena: every thread gets a buffer of its own
  mapped_ = static_cast<std::uint8_t*>(p);
  auto at = reinterpret_cast<std::uintptr_t>(p);
  data_ = mapped_ + ((at + kHugePage - 1) / kHugePage * kHugePage - at);
  size_ = size;
  ::madvise(data_, size_, MADV_HUGEPAGE);
  // The first `present` bytes' pages present before the stop.
  present = std::min((present + kHugePage - 1) / kHugePage * kHugePage, size_);
  if (::madvise(data_, present, MADV_POPULATE_WRITE) != 0)
    for (std::size_t i = 0; i < present; i += 4096) data_[i] = 0;
}

CopyArena::~CopyArena() {
  if (mapped_ != nullptr) ::munmap(mapped_, size_ + kHugePage);
}

CopyArena::CopyArena(CopyArena&& other) noexcept : mapped_(other.mapped_), data_(other.data_), size_(other.size_) {
  other.mapped_ = other.data_ = nullptr;
  other.size_ = 0;
}

CopyArena& CopyArena::operator=(CopyArena&& other) noexcept {
  if (this != &other) {
    if (mapped_ != nullptr) ::munmap(mapped_, size_ + kHugePage);
    mapped_ = other.mapped_;
    data_ = other.data_;
    size_ = other.size_;
    other.mapped_ = other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

Result<Capture> capture_threads(pid_t pid, const CaptureOptions& options) {
  // Names and states first, while everything runs: during the stop each
  // thread would say "t (tracing stop)".
  std::unordered_map<pid_t, attach::TaskStat> before;
  std::vector<pid_t> tids = attach::list_threads(pid);
  before.reserve(tids.size());
  auto stats = attach::read_task_stats(pid, tids);
  for (std::size_t i = 0; i < tids.size(); ++i)
    if (stats[i]) before.emplace(tids[i], std::move(*stats[i]));
  // The copies' memory, touched now so that no page fault of ours lands in
  // the pause: each window takes what it needs of it (the used part of a
  // parked thread's stack and its thread block above are a page or two),
  // threads beyond it get a buffer of their own.
  pid_t live = pid;  // a zombie main thread has no maps: ask a thread that runs
  for (const auto& [tid, st] : before)
    if (st.state != 'Z' && st.state != 'X') {
      live = tid;
      break;
    }
  auto maps = read_mappings(pid, live);
  const std::size_t room = tids.size() + tids.size() / 8 + 4;
  CopyArena arena(room * kArenaPerThread, room * kArenaPresentPerThread);
  std::size_t arena_used = 0;

  auto freeze = attach::Freeze::stop(pid, options.freeze, tids);
  if (!freeze) return freeze.error();
  const std::vector<attach::FrozenThread>& stopped = (*freeze)->threads();
  pid_t reader = pid;
  for (const auto& t : stopped)
    if (t.stop == attach::ThreadStop::kStopped) {
      reader = t.tid;
      break;
    }
  std::vector<std::size_t> copied(stopped.size(), 0);
  std::vector<std::vector<std::uint8_t>> extra(stopped.size());
  std::vector<std::uint8_t*> where(stopped.size(), nullptr);
  // Windows inside a known mapping: all in one process_vm_readv per
  // IOV_MAX threads. The others one by one.
  std::vector<attach::ReadPiece> batch;
  std::vector<std::size_t> batch_thread;
  for (std::size_t i = 0; i < stopped.size(); ++i) {
    const attach::FrozenThread& t = stopped[i];
    if (t.stop != attach::ThreadStop::kStopped || t.regs.sp == 0) continue;
    std::uint64_t end = mapping_end(maps, t.regs.sp);
    // A thread that pthread started keeps its thread block (and TLS) at
    // the top of its stack mapping, above the first frame: the stack in
    // use ends at the thread pointer, and nothing above it is unwound
    // (for 1000 threads parked in a futex: 264 bytes used, 4.5 KiB to the
    // mapping's end, every extra page pinned and copied inside the pause).
    if (end && t.regs.tls_base > t.regs.sp && t.regs.tls_base < end) end = t.regs.tls_base;
    std::size_t size = end ? static_cast<std::size_t>(std::min<std::uint64_t>(end - t.regs.sp, options.stack_window))
                           : options.stack_window;
    std::uint8_t* out;
    if (arena.size() - arena_used >= size) {
      out = arena.data() + arena_used;
      arena_used += (size + 15) & ~std::size_t{15};
    } else {
      extra[i].resize(size);
      out = extra[i].data();
    }
    where[i] = out;
    if (end) {
      batch.push_back({t.regs.sp, out, size, false});
      batch_thread.push_back(i);
    } else {
      copied[i] = copy_window(reader, t.regs.sp, out, options.stack_window);
    }
  }
  // Asked once, not per thread: each asking is a system call, and 1000 of
  // them were a millisecond of the pause.
  if (!(*freeze)->interrupted()) {  // else ^C: let go now, the dump is not wanted
    // The windows split over the freeze's threads, a run of them each.
    std::span<attach::ReadPiece> pieces(batch);
    (*freeze)->share_out([&](std::size_t lane, std::size_t lanes) {
      std::size_t per = (pieces.size() + lanes - 1) / lanes;
      std::size_t from = std::min(pieces.size(), lane * per);
      (void)attach::ProcessMemory(reader).read_batch(pieces.subspan(from, std::min(per, pieces.size() - from)));
    });
    for (std::size_t k = 0; k < batch.size(); ++k) {
      std::size_t i = batch_thread[k];
      // A window that failed whole (the mapping changed since): alone.
      copied[i] = batch[k].ok ? batch[k].size : copy_window(reader, batch[k].addr, batch[k].out, batch[k].size);
    }
  }
  Capture capture;
  capture.pid = pid;
  capture.reader = reader;
  capture.paused = (*freeze)->thaw();
  const std::vector<attach::FrozenThread> frozen = stopped;  // outlives the Freeze
  bool interrupted = (*freeze)->interrupted();
  freeze->reset();  // a SIGINT/SIGTERM that came meanwhile ends gops here
  if (interrupted) return Error{"interrupted"};

  capture.threads.reserve(frozen.size());
  for (std::size_t i = 0; i < frozen.size(); ++i) {
    const attach::FrozenThread& t = frozen[i];
    if (t.stop == attach::ThreadStop::kExited) continue;
    ThreadCapture c;
    c.tid = t.tid;
    c.stop = t.stop;
    c.regs = t.regs;
    if (auto it = before.find(t.tid); it != before.end()) {
      c.name = std::move(it->second.name);
      c.state = it->second.state;
    } else if (auto st = attach::read_task_stat(pid, t.tid)) {  // started during the stop
      c.name = std::move(st->name);
      c.state = st->state;
    }
    if (t.stop != attach::ThreadStop::kStopped) c.state = t.proc_state;
    if (where[i] != nullptr) {
      c.stack_addr = t.regs.sp;
      c.stack = {where[i], copied[i]};
    }
    capture.threads.push_back(std::move(c));
  }
  capture.arena = std::move(arena);  // the spans stay valid: the buffers move, not their bytes
  for (auto& e : extra)
    if (!e.empty()) capture.overflow.push_back(std::move(e));
  std::sort(capture.threads.begin(), capture.threads.end(),
            [](const ThreadCapture& a, const ThreadCapture& b) { return a.tid < b.tid; });
  return capture;
}

}  // namespace gops::nativestack
