// The files libdwfl reads to symbolize this process, opened by us rather
// than by elfutils' standard callbacks, for two reasons:
//
//  - every descriptor is close-on-exec: the agent lives in someone else's
//    program, any thread of which may fork and exec at any moment, and the
//    child must not inherit the program's ELF and debug files (elfutils
//    opens them without O_CLOEXEC and keeps them open);
//  - no network: elfutils' standard callbacks start a debuginfod client
//    (libcurl, with a socketpair of its own) inside the host process.
//
// Found where Debian puts them: the file itself, then
// /usr/lib/debug/.build-id/xx/yyyy.debug, then the .gnu_debuglink name beside
// the file, in its .debug/ subdir or under /usr/lib/debug. dwz's shared
// .gnu_debugaltlink files are opened the same way and handed to libdw
// before it looks for them itself.
#pragma once

#include <elfutils/libdwfl.h>

namespace gops::symbolize {

// find_elf and find_debuginfo for this process's modules.
extern const Dwfl_Callbacks kSelfCallbacks;

// Reports this process's modules between dwfl_report_begin and
// dwfl_report_end: the objects the dynamic loader lists (dl_iterate_phdr),
// each over its PT_LOAD segments, and the vDSO from memory. Not from
// /proc/self/maps: libelf maps whole ELF files to read them (libc.so.6
// among them, once symbolized), and a maps reader took such a mapping for
// part of the module, whose base then moved to it. Returns 0 on success.
int report_self(Dwfl* dwfl);

// Before the DIEs of `module` are read: its debug info loaded, and its
// dwz alternate file (if it has one) opened by us and set with
// dwarf_setalt. Idempotent per module.
void prepare_module(Dwfl_Module* module);

}  // namespace gops::symbolize
