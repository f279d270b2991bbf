// The exported C interface (gops_heap_sampler.h). Calls made from here may
// allocate nothing: the caller provides the buffers.
#include "heap_sampler/gops_heap_sampler.h"

#include "heap_sampler/hook_attributes.hpp"
#include "heap_sampler/sample_store.hpp"
#include "heap_sampler/real_allocator.hpp"
#include "heap_sampler/sampler.hpp"
#include "heap_sampler/tagged_block.hpp"
#include "heap_sampler/thread_registry.hpp"
#include "heap_sampler/thread_state.hpp"

using namespace gops::heap_sampler;

GOPS_HS_API uint32_t gops_heap_sampler_version(void) { return 1; }

GOPS_HS_API size_t gops_heap_sampler_sites(struct gops_heap_sampler_site* out, size_t capacity) {
  return copy_sites(out, capacity);
}

GOPS_HS_API void gops_heap_sampler_total_counts(struct gops_heap_sampler_counts* out) { total_counts(*out); }

GOPS_HS_API void gops_heap_sampler_my_counts(struct gops_heap_sampler_counts* out) {
  const ThreadState& t = t_state;
  *out = {};
  if (t.registration != Registration::kOwn) return;  // counted in the shared totals only
  out->alloc_calls = t.alloc_calls;
  out->free_calls = t.free_calls;
  out->realloc_calls = t.realloc_calls;
}

GOPS_HS_API size_t gops_heap_sampler_thread_counts(struct gops_heap_sampler_thread* out, size_t capacity) {
  return thread_counts(out, capacity);
}

GOPS_HS_API void gops_heap_sampler_get_status(struct gops_heap_sampler_status* out) {
  *out = {};
  out->rate = sampling_rate();
  store_status(*out);
  out->threads_registered = registered_threads();
}

GOPS_HS_API const char* gops_heap_sampler_free_check(void) {
  (void)real();  // the choice is made with the lookup of the real allocator
  return tagging() ? "mark" : "filter";
}

GOPS_HS_API void gops_heap_sampler_set_rate(uint64_t bytes) { set_sampling_rate(bytes); }
