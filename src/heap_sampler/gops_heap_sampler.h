/* The heap sampler's C interface: what the gops agent (and a program that
 * wants to steer the sampler) may call. Found at run time with
 * dlsym(RTLD_DEFAULT, "gops_heap_sampler_...") so that nothing has to link
 * against the sampler to use it. Every function is thread-safe; none is
 * async-signal-safe. Only C types cross this boundary. */
#ifndef GOPS_HEAP_SAMPLER_H_
#define GOPS_HEAP_SAMPLER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GOPS_HEAP_SAMPLER_MAX_FRAMES 64

/* Environment variable with the mean sampling interval in bytes (0: no
 * sampling, 1: every allocation). Default 524288, as Go's MemProfileRate. */
#define GOPS_HEAP_SAMPLER_RATE_ENV "GOPS_HEAP_SAMPLE_RATE"

/* Environment variable choosing how free() recognises sampled blocks (see
 * gops_heap_sampler_free_check): "mark" or "filter". Unset: "mark" with
 * glibc, "filter" with other allocators and under valgrind (whose memcheck
 * would report the mark's read; callgrind does not mind: set "mark"). */
#define GOPS_HEAP_SAMPLER_FREE_CHECK_ENV "GOPS_HEAP_SAMPLE_FREE_CHECK"

/* One call site (one distinct stack) and what its sampled allocations add up
 * to, unscaled: the reader scales by the sampling rate. */
struct gops_heap_sampler_site {
  uint64_t alloc_count; /* sampled allocations since start */
  uint64_t alloc_bytes;
  uint64_t inuse_count; /* of those, not freed yet */
  uint64_t inuse_bytes;
  uint32_t depth;       /* frames in pcs */
  uint32_t reserved;
  /* pcs[0]: the return address into the caller of malloc / operator new;
   * then the callers' return addresses (leaf first). */
  uintptr_t pcs[GOPS_HEAP_SAMPLER_MAX_FRAMES];
};

/* Exact call counts (every call, sampled or not). */
struct gops_heap_sampler_counts {
  uint64_t alloc_calls;   /* malloc, calloc, the aligned forms, operator new */
  uint64_t free_calls;    /* free, operator delete (null pointers included) */
  uint64_t realloc_calls;
};

struct gops_heap_sampler_thread {
  int32_t tid;
  uint32_t reserved;
  struct gops_heap_sampler_counts counts;
};

struct gops_heap_sampler_status {
  uint64_t rate;               /* mean sampling interval in bytes */
  uint64_t live_samples;       /* sampled allocations not freed yet */
  uint64_t dropped_samples;    /* samples lost because a table was full */
  uint64_t sites;              /* distinct stacks recorded */
  uint64_t threads_registered; /* live threads with their own counters */
};

/* Interface version: 1. Changes only with a new name. */
uint32_t gops_heap_sampler_version(void);

/* Copies up to `capacity` sites into `out`; returns how many sites there are
 * (more than `capacity` means: call again with a bigger buffer). */
size_t gops_heap_sampler_sites(struct gops_heap_sampler_site* out, size_t capacity);

/* Totals over every thread, live and exited. */
void gops_heap_sampler_total_counts(struct gops_heap_sampler_counts* out);

/* The calling thread's own counts. */
void gops_heap_sampler_my_counts(struct gops_heap_sampler_counts* out);

/* Up to `capacity` live threads' counts; returns how many live threads have
 * counters of their own. */
size_t gops_heap_sampler_thread_counts(struct gops_heap_sampler_thread* out, size_t capacity);

void gops_heap_sampler_get_status(struct gops_heap_sampler_status* out);

/* How free() recognises a sampled block: "mark" (glibc: a word before the
 * block, no lookup) or "filter" (other allocators, valgrind: a hashed
 * filter of sampled addresses). Optional: look it up by name. */
const char* gops_heap_sampler_free_check(void);

/* Sets the mean sampling interval (bytes; 0 stops sampling). Each thread
 * picks it up at its next sample. */
void gops_heap_sampler_set_rate(uint64_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* GOPS_HEAP_SAMPLER_H_ */
