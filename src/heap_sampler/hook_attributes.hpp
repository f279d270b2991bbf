// Every function on the path from the program's call into malloc / operator
// new down to the stack capture is placed in one section of its own, so
// that the capture can drop exactly its own frames (whatever the compiler
// inlined) and the first frame left is the program's call site.
#pragma once

#define GOPS_HS_SECTION_NAME gops_heap_sampler_text
#define GOPS_HS_STR2_(x) #x
#define GOPS_HS_STR_(x) GOPS_HS_STR2_(x)

// Internal functions on the hook path.
#define GOPS_HS_HOOK_PATH __attribute__((section(GOPS_HS_STR_(GOPS_HS_SECTION_NAME)), noinline))
// The interposed entry points: exported, whatever the visibility default.
#define GOPS_HS_EXPORT_HOOK \
  __attribute__((section(GOPS_HS_STR_(GOPS_HS_SECTION_NAME)), visibility("default"), noinline))
#define GOPS_HS_API extern "C" __attribute__((visibility("default")))
