// Interposition stress: threads in waves (so that many exit), each running a
// deterministic mix of every allocation function and its matching release,
// realloc growth and shrink, aligned forms checked for alignment, contents
// checked before every release; some threads fork and the child allocates
// too. Prints one summary line that depends only on the work done, so a run
// under the sampler must print exactly what a run without it prints.
//
// When the heap sampler is in the process (found by dlsym), each thread also
// checks that the sampler counted exactly its own calls.
//
//   heap_stress [small] [require-sampler]
//   (small: fewer operations, for valgrind; require-sampler: fail if the
//   sampler is not in the process)
#include <dlfcn.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "heap_sampler/gops_heap_sampler.h"

namespace {

using CountsFn = void (*)(gops_heap_sampler_counts*);
CountsFn g_my_counts = nullptr;

std::atomic<std::uint64_t> g_ops{0}, g_bytes{0}, g_checksum{0}, g_errors{0}, g_forks{0};

void error(const char* what) {
  g_errors.fetch_add(1);
  std::fprintf(stderr, "heap_stress: %s\n", what);
}

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

enum Kind : std::uint8_t {
  kMalloc, kCalloc, kPosixMemalign, kAlignedAlloc, kMemalign, kValloc, kPvalloc,
  kNew, kNewArray, kNewNothrow, kNewAligned, kNewArrayAlignedNothrow, kKinds
};

struct Block {
  unsigned char* p = nullptr;
  std::size_t size = 0;
  std::size_t align = 0;
  Kind kind = kMalloc;
  std::uint8_t seed = 0;
};

struct Expected {
  std::uint64_t allocs = 0, frees = 0, reallocs = 0;
};

void fill(Block& b) {
  for (std::size_t i = 0; i < b.size; ++i) b.p[i] = static_cast<unsigned char>(b.seed + i * 31);
}

std::uint64_t verify(const Block& b, std::size_t upto, std::uint64_t& sum) {
  for (std::size_t i = 0; i < upto; ++i) {
    if (b.p[i] != static_cast<unsigned char>(b.seed + i * 31)) {
      error("block contents changed");
      return 0;
    }
    sum += b.p[i];
  }
  return upto;
}

std::size_t pick_size(Rng& rng) {
  std::uint64_t r = rng.next();
  if (r % 512 == 0) return 65536 + r % (1 << 20);  // large: mmap-backed in glibc
  return 1 + (r >> 8) % 4096;
}

bool allocate(Block& b, Rng& rng, Expected& e) {
  b.kind = static_cast<Kind>(rng.next() % kKinds);
  b.size = pick_size(rng);
  b.align = std::size_t{8} << (rng.next() % 10);  // 8 .. 4096
  b.seed = static_cast<std::uint8_t>(rng.next());
  void* p = nullptr;
  switch (b.kind) {
    case kMalloc: p = std::malloc(b.size); break;
    case kCalloc: {
      p = std::calloc(b.size, 1);
      for (std::size_t i = 0; p && i < b.size; ++i)
        if (static_cast<unsigned char*>(p)[i] != 0) { error("calloc memory not zero"); break; }
      break;
    }
    case kPosixMemalign:
      if (posix_memalign(&p, b.align, b.size) != 0) p = nullptr;
      break;
    case kAlignedAlloc:
      b.size = (b.size + b.align - 1) / b.align * b.align;
      p = aligned_alloc(b.align, b.size);
      break;
    case kMemalign: p = memalign(b.align, b.size); break;
    case kValloc: p = valloc(b.size); b.align = 4096; break;
    case kPvalloc: p = pvalloc(b.size); b.align = 4096; break;
    case kNew: p = ::operator new(b.size); break;
    case kNewArray: p = ::operator new[](b.size); break;
    case kNewNothrow: p = ::operator new(b.size, std::nothrow); break;
    case kNewAligned: p = ::operator new(b.size, std::align_val_t(b.align)); break;
    case kNewArrayAlignedNothrow: p = ::operator new[](b.size, std::align_val_t(b.align), std::nothrow); break;
    case kKinds: break;
  }
  ++e.allocs;
  if (!p) {
    error("allocation failed");
    return false;
  }
  bool aligned_kind = b.kind == kPosixMemalign || b.kind == kAlignedAlloc || b.kind == kMemalign ||
                      b.kind == kValloc || b.kind == kPvalloc || b.kind == kNewAligned ||
                      b.kind == kNewArrayAlignedNothrow;
  if (aligned_kind && reinterpret_cast<std::uintptr_t>(p) % b.align != 0) error("misaligned block");
  if (b.kind <= kPvalloc && malloc_usable_size(p) < b.size) error("malloc_usable_size too small");
  b.p = static_cast<unsigned char*>(p);
  fill(b);
  return true;
}

void release(Block& b, Expected& e) {
  switch (b.kind) {
    case kNew: ::operator delete(b.p, b.size); break;
    case kNewArray: ::operator delete[](b.p); break;
    case kNewNothrow: ::operator delete(b.p, std::nothrow); break;
    case kNewAligned: ::operator delete(b.p, b.size, std::align_val_t(b.align)); break;
    case kNewArrayAlignedNothrow: ::operator delete[](b.p, std::align_val_t(b.align), std::nothrow); break;
    default: std::free(b.p); break;
  }
  ++e.frees;
  b.p = nullptr;
}

// realloc of a malloc'ed block, growing or shrinking: the common prefix stays.
void resize(Block& b, Rng& rng, Expected& e, std::uint64_t& sum) {
  std::size_t size = rng.next() % 2 ? b.size * 2 + 1 : b.size / 2 + 1;
  void* p = std::realloc(b.p, size);
  ++e.reallocs;
  if (!p) {
    error("realloc failed");
    return;
  }
  b.p = static_cast<unsigned char*>(p);
  verify(b, size < b.size ? size : b.size, sum);
  b.size = size;
  fill(b);
}

// A child of fork(): its allocator (and the sampler's locks) must work.
void forked_child(Rng rng) {
  Expected e;
  Block b;
  for (int i = 0; i < 200; ++i) {
    if (!allocate(b, rng, e)) ::_exit(2);
    std::uint64_t sum = 0;
    if (verify(b, b.size, sum) != b.size) ::_exit(3);
    release(b, e);
  }
  ::_exit(0);
}

void worker(unsigned index, int operations) {
  Rng rng{0x9E3779B97F4A7C15ull * (index + 1)};
  constexpr int kSlots = 128;
  Block blocks[kSlots];
  Expected e;
  gops_heap_sampler_counts before{}, after{};
  if (g_my_counts) g_my_counts(&before);
  std::uint64_t sum = 0, bytes = 0;
  for (int op = 0; op < operations; ++op) {
    Block& b = blocks[rng.next() % kSlots];
    if (!b.p) {
      allocate(b, rng, e);
    } else if (b.kind == kMalloc && rng.next() % 4 == 0) {
      resize(b, rng, e, sum);
    } else {
      bytes += verify(b, b.size, sum);
      release(b, e);
    }
  }
  for (Block& b : blocks) {
    if (!b.p) continue;
    bytes += verify(b, b.size, sum);
    release(b, e);
  }
  if (g_my_counts) {
    g_my_counts(&after);
    if (after.alloc_calls - before.alloc_calls != e.allocs || after.free_calls - before.free_calls != e.frees ||
        after.realloc_calls - before.realloc_calls != e.reallocs)
    {
      std::fprintf(stderr, "heap_stress: counted %llu/%llu/%llu, made %llu/%llu/%llu (alloc/free/realloc)\n",
                   static_cast<unsigned long long>(after.alloc_calls - before.alloc_calls),
                   static_cast<unsigned long long>(after.free_calls - before.free_calls),
                   static_cast<unsigned long long>(after.realloc_calls - before.realloc_calls),
                   static_cast<unsigned long long>(e.allocs), static_cast<unsigned long long>(e.frees),
                   static_cast<unsigned long long>(e.reallocs));
      error("the sampler's per-thread counts differ from the calls made");
    }
  }
  if (index % 16 == 3) {
    pid_t child = ::fork();
    if (child == 0) forked_child(rng);
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      error("forked child failed");
    g_forks.fetch_add(1);
  }
  g_ops.fetch_add(static_cast<std::uint64_t>(operations));
  g_bytes.fetch_add(bytes);
  g_checksum.fetch_add(sum);
}

}  // namespace

int main(int argc, char** argv) {
  bool small = false, require_sampler = false;
  for (int i = 1; i < argc; ++i) {
    small |= std::strcmp(argv[i], "small") == 0;
    require_sampler |= std::strcmp(argv[i], "require-sampler") == 0;
  }
  g_my_counts = reinterpret_cast<CountsFn>(::dlsym(RTLD_DEFAULT, "gops_heap_sampler_my_counts"));
  if (require_sampler && !g_my_counts) {
    std::fprintf(stderr, "heap_stress: the heap sampler is not in this process\n");
    return 1;
  }
  const unsigned waves = small ? 2 : 5, threads = small ? 4 : 16;
  const int operations = small ? 1500 : 3000;
  for (unsigned wave = 0; wave < waves; ++wave) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker, wave * threads + t, operations);
    for (std::thread& t : pool) t.join();  // every thread exits before the next wave
  }
  std::printf("threads=%u ops=%llu bytes=%llu checksum=%llu forks=%llu errors=%llu\n", waves * threads,
              static_cast<unsigned long long>(g_ops.load()), static_cast<unsigned long long>(g_bytes.load()),
              static_cast<unsigned long long>(g_checksum.load()), static_cast<unsigned long long>(g_forks.load()),
              static_cast<unsigned long long>(g_errors.load()));
  std::fprintf(stderr, "heap_stress: sampler %s\n", g_my_counts ? "present (per-thread counts checked)" : "absent");
  return g_errors.load() == 0 ? 0 : 1;
}
