#include "agent/host/allocator.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>

namespace gops::agent {
namespace {

using MallctlFn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
using TcPropertyFn = int (*)(const char*, std::size_t*);
using TcReleaseFn = void (*)();
using SanitizerSizeFn = std::size_t (*)();
using SanitizerPurgeFn = void (*)();

template <class Fn>
Fn lookup(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, name));
}

void add_jemalloc(MallctlFn mallctl, AllocatorStats& out) {
  // Statistics are a snapshot taken when "epoch" is written.
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
  for (const char* key : {"stats.allocated", "stats.active", "stats.resident", "stats.mapped", "stats.retained",
                          "stats.metadata"}) {
    std::size_t value = 0;
    len = sizeof value;
    if (mallctl(key, &value, &len, nullptr, 0) == 0) out.bytes.emplace_back(key + 6, value);
  }
}

void add_tcmalloc(TcPropertyFn get, AllocatorStats& out) {
  static constexpr std::pair<const char*, const char*> kKeys[] = {
      {"generic.current_allocated_bytes", "allocated"},
      {"generic.heap_size", "heap-size"},
      {"tcmalloc.pageheap_free_bytes", "pageheap-free"},
      {"tcmalloc.pageheap_unmapped_bytes", "pageheap-unmapped"},
  };
  for (auto [key, shown] : kKeys) {
    std::size_t value = 0;
    if (get(key, &value)) out.bytes.emplace_back(shown, value);
  }
}

void add_glibc(AllocatorStats& out) {
  struct mallinfo2 mi = ::mallinfo2();
  out.bytes = {
      {"heap-in-use", mi.uordblks + mi.hblkhd},  // small chunks in use + mmapped blocks
      {"heap-free", mi.fordblks},
      {"heap-arena", mi.arena},
      {"heap-mmap", mi.hblkhd},
      {"heap-releasable", mi.keepcost},
  };
  out.counts = {{"free-chunks", mi.ordblks}, {"mmap-blocks", mi.hblks}};
}

}  // namespace

AllocatorStats allocator_stats() {
  AllocatorStats out;
  if (auto mallctl = lookup<MallctlFn>("mallctl")) {
    out.name = "jemalloc";
    add_jemalloc(mallctl, out);
  } else if (auto get = lookup<TcPropertyFn>("MallocExtension_GetNumericProperty")) {
    out.name = "tcmalloc";
    add_tcmalloc(get, out);
  } else if (auto allocated = lookup<SanitizerSizeFn>("__sanitizer_get_current_allocated_bytes")) {
    // Under ASan/TSan malloc is the sanitizer's: glibc's numbers would not move.
    out.name = "sanitizer";
    out.bytes.emplace_back("heap-in-use", allocated());
    if (auto heap = lookup<SanitizerSizeFn>("__sanitizer_get_heap_size")) out.bytes.emplace_back("heap-size", heap());
    if (auto free_bytes = lookup<SanitizerSizeFn>("__sanitizer_get_free_bytes"))
      out.bytes.emplace_back("heap-free", free_bytes());
  } else {
    out.name = "glibc";
    add_glibc(out);
  }
  return out;
}

std::string release_free_memory() {
  if (auto mallctl = lookup<MallctlFn>("mallctl")) {
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096 = MALLCTL_ARENAS_ALL
    return "jemalloc arena purge";
  }
  if (auto release = lookup<TcReleaseFn>("MallocExtension_ReleaseFreeMemory")) {
    release();
    return "tcmalloc ReleaseFreeMemory";
  }
  if (lookup<SanitizerSizeFn>("__sanitizer_get_current_allocated_bytes")) {
    if (auto purge = lookup<SanitizerPurgeFn>("__sanitizer_purge_allocator")) purge();
    return "sanitizer purge";
  }
  ::malloc_trim(0);
  return "malloc_trim";
}

}  // namespace gops::agent
