// Hidden aliases of the interposed malloc family, for operator new/delete:
// a direct call, not through the PLT (where a program's own malloc could
// answer), and not exported.
#pragma once

#include <cstddef>

#define GOPS_HS_HIDDEN __attribute__((visibility("hidden")))

extern "C" {
GOPS_HS_HIDDEN void* gops_heap_sampler_hook_malloc(std::size_t size);
GOPS_HS_HIDDEN void gops_heap_sampler_hook_free(void* ptr) noexcept;
GOPS_HS_HIDDEN int gops_heap_sampler_hook_posix_memalign(void** out, std::size_t alignment, std::size_t size);
}
