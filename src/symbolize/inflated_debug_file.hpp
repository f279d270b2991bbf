// A debug file whose compressed DWARF sections (SHF_COMPRESSED, zlib: how
// Debian ships libc6-dbg and every -dbgsym package) are inflated before
// libdw sees them, into an anonymous in-memory copy of the file (memfd).
//
// Why: libdw inflates every compressed debug section whole, with zlib, as
// it opens the file, location lists included, which a symbolizer never
// reads. For libc that was 77 ms of CPU, a third of a cold agentless stack
// dump. libdeflate inflates the same bytes about five times faster (whole
// buffers of known size are its one job: no streaming state, no window
// copies), and the sections that name where variables live
// (.debug_loc/.debug_loclists, macros, the pubnames indexes) are left out.
//
// The copy keeps the file's layout: the bytes that are not compressed
// sections are copied where they were (program headers, notes and the build
// ID stay valid), the compressed sections' old bytes are left as holes, and
// the inflated sections are appended, their section headers pointing there.
// Anything unexpected (not ELF64, a bad header, data that does not inflate
// to the size it claims, more than kMaxInflated bytes) leaves the file as
// it is: libdw then reads it the slow way, with the same results.
#pragma once

namespace gops::symbolize {

// An ELF file open on `fd` -> a descriptor of a close-on-exec in-memory copy
// with its compressed debug sections inflated (and `fd` closed), or `fd`
// itself when it has none or they cannot be inflated. Never fails.
int inflate_debug_sections(int fd);

// For the CLI, a process of its own, from now on: a second thread inflates
// a file's largest section while the calling thread does the others, and
// inflated copies are kept for the next run in the user's cache dir
// (debug_cache.hpp). The agent, a guest in its host's process, does
// neither: it starts no thread it can do without and writes no files.
void use_cli_inflation();

}  // namespace gops::symbolize
