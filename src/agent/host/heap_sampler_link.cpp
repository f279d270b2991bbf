#include "agent/host/heap_sampler_link.hpp"

#include <dlfcn.h>

namespace gops::agent {
namespace {

template <class Fn>
Fn lookup(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, name));
}

}  // namespace

std::optional<HeapSampler> find_heap_sampler() {
  auto version = lookup<uint32_t (*)()>("gops_heap_sampler_version");
  if (!version || version() != 1) return std::nullopt;
  HeapSampler s{};
  s.sites = lookup<decltype(s.sites)>("gops_heap_sampler_sites");
  s.total_counts = lookup<decltype(s.total_counts)>("gops_heap_sampler_total_counts");
  s.thread_counts = lookup<decltype(s.thread_counts)>("gops_heap_sampler_thread_counts");
  s.status = lookup<decltype(s.status)>("gops_heap_sampler_get_status");
  s.free_check = lookup<decltype(s.free_check)>("gops_heap_sampler_free_check");
  if (!s.sites || !s.total_counts || !s.thread_counts || !s.status) return std::nullopt;
  return s;
}

}  // namespace gops::agent
