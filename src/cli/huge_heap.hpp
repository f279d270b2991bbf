// The CLI's malloc heap in transparent huge pages, for the commands that
// allocate a lot at once (a dump of 1000 threads: ~15 MB of heap).
//
// Why: first touching a 4 KiB page costs a page fault, and on a virtual
// machine a page fault costs tens of microseconds; a dump took ~900 of
// them in malloc'd memory alone (25 ms of its 140 ms CPU). glibc puts its
// heap in huge pages only when started with GLIBC_TUNABLES=
// glibc.malloc.hugetlb=1, which a program cannot set for itself, so this
// does the same by hand: the heap is grown once by `bytes`, that range is
// marked MADV_HUGEPAGE, and given back to malloc without being trimmed.
// Where transparent huge pages are off, nothing changes but the kernel's
// advice. For the CLI only: never in the agent, whose heap is the host's.
#pragma once

#include <cstddef>

namespace gops::cli {

void grow_heap_in_huge_pages(std::size_t bytes);

}  // namespace gops::cli
