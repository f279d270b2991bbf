// The functions of libdw (libdwfl, libdwelf) and libelf that gops calls,
// loaded on first use (dynload/lazy_library.hpp).
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <libelf.h>

#include "dynload/lazy_library.hpp"

namespace {
constinit gops::dynload::LazyLibrary libdw("libdw.so.1");
constinit gops::dynload::LazyLibrary libelf("libelf.so.1");
}  // namespace

// libelf
GOPS_LAZY_FUNCTION(libelf, Elf*, elf_begin, (int fd, Elf_Cmd cmd, Elf* ref), (fd, cmd, ref))
GOPS_LAZY_FUNCTION(libelf, int, elf_end, (Elf * elf), (elf))
GOPS_LAZY_FUNCTION(libelf, Elf*, elf_memory, (char* image, size_t size), (image, size))

// libdw: DWARF
GOPS_LAZY_FUNCTION(libdw, Dwarf*, dwarf_begin, (int fd, Dwarf_Cmd cmd), (fd, cmd))
GOPS_LAZY_FUNCTION(libdw, void, dwarf_setalt, (Dwarf * main, Dwarf* alt), (main, alt))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Attribute*, dwarf_attr, (Dwarf_Die * die, unsigned int name, Dwarf_Attribute* result),
                   (die, name, result))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Attribute*, dwarf_attr_integrate,
                   (Dwarf_Die * die, unsigned int name, Dwarf_Attribute* result), (die, name, result))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_child, (Dwarf_Die * die, Dwarf_Die* result), (die, result))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_siblingof, (Dwarf_Die * die, Dwarf_Die* result), (die, result))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_tag, (Dwarf_Die * die), (die))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_decl_line, (Dwarf_Die * decl, int* line), (decl, line))
GOPS_LAZY_FUNCTION(libdw, const char*, dwarf_diename, (Dwarf_Die * die), (die))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_getaranges, (Dwarf * dbg, Dwarf_Aranges** aranges, size_t* naranges),
                   (dbg, aranges, naranges))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Line*, dwarf_getsrc_die, (Dwarf_Die * cudie, Dwarf_Addr addr), (cudie, addr))
GOPS_LAZY_FUNCTION(libdw, const char*, dwarf_linesrc, (Dwarf_Line * line, Dwarf_Word* mtime, Dwarf_Word* length),
                   (line, mtime, length))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_lineno, (Dwarf_Line * line, int* linep), (line, linep))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_nextcu,
                   (Dwarf * dwarf, Dwarf_Off off, Dwarf_Off* next_off, size_t* header_sizep, Dwarf_Off* abbrev_offsetp,
                    uint8_t* address_sizep, uint8_t* offset_sizep),
                   (dwarf, off, next_off, header_sizep, abbrev_offsetp, address_sizep, offset_sizep))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Die*, dwarf_offdie, (Dwarf * dbg, Dwarf_Off offset, Dwarf_Die* result),
                   (dbg, offset, result))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_haspc, (Dwarf_Die * die, Dwarf_Addr pc), (die, pc))
GOPS_LAZY_FUNCTION(libdw, ptrdiff_t, dwarf_ranges,
                   (Dwarf_Die * die, ptrdiff_t offset, Dwarf_Addr* basep, Dwarf_Addr* startp, Dwarf_Addr* endp),
                   (die, offset, basep, startp, endp))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Off, dwarf_dieoffset, (Dwarf_Die * die), (die))
GOPS_LAZY_FUNCTION(libdw, Dwarf*, dwarf_cu_getdwarf, (Dwarf_CU * cu), (cu))
GOPS_LAZY_FUNCTION(libdw, const char*, dwarf_filesrc,
                   (Dwarf_Files * files, size_t idx, Dwarf_Word* mtime, Dwarf_Word* length),
                   (files, idx, mtime, length))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_getsrcfiles, (Dwarf_Die * cudie, Dwarf_Files** files, size_t* nfiles),
                   (cudie, files, nfiles))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Die*, dwarf_formref_die, (Dwarf_Attribute * attr, Dwarf_Die* die), (attr, die))
GOPS_LAZY_FUNCTION(libdw, const char*, dwarf_formstring, (Dwarf_Attribute * attr), (attr))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_formudata, (Dwarf_Attribute * attr, Dwarf_Word* value), (attr, value))
GOPS_LAZY_FUNCTION(libdw, int, dwarf_getscopes_die, (Dwarf_Die * die, Dwarf_Die** scopes), (die, scopes))

// libdw: libdwelf
GOPS_LAZY_FUNCTION(libdw, ssize_t, dwelf_dwarf_gnu_debugaltlink,
                   (Dwarf * dwarf, const char** name, const void** build_id), (dwarf, name, build_id))
GOPS_LAZY_FUNCTION(libdw, ssize_t, dwelf_elf_gnu_build_id, (Elf * elf, const void** build_id), (elf, build_id))

// libdw: libdwfl
GOPS_LAZY_FUNCTION(libdw, Dwfl*, dwfl_begin, (const Dwfl_Callbacks* callbacks), (callbacks))
GOPS_LAZY_FUNCTION(libdw, void, dwfl_end, (Dwfl * dwfl), (dwfl))
GOPS_LAZY_FUNCTION(libdw, const char*, dwfl_errmsg, (int err), (err))
GOPS_LAZY_FUNCTION(libdw, void, dwfl_report_begin, (Dwfl * dwfl), (dwfl))
GOPS_LAZY_FUNCTION(libdw, int, dwfl_report_end,
                   (Dwfl * dwfl, int (*removed)(Dwfl_Module*, void*, const char*, Dwarf_Addr, void*), void* arg),
                   (dwfl, removed, arg))
GOPS_LAZY_FUNCTION(libdw, Dwfl_Module*, dwfl_report_module,
                   (Dwfl * dwfl, const char* name, Dwarf_Addr start, Dwarf_Addr end), (dwfl, name, start, end))
GOPS_LAZY_FUNCTION(libdw, int, dwfl_linux_proc_maps_report, (Dwfl * dwfl, FILE* maps), (dwfl, maps))
GOPS_LAZY_FUNCTION(libdw, ptrdiff_t, dwfl_getmodules,
                   (Dwfl * dwfl, int (*callback)(Dwfl_Module*, void**, const char*, Dwarf_Addr, void*), void* arg,
                    ptrdiff_t offset),
                   (dwfl, callback, arg, offset))
GOPS_LAZY_FUNCTION(libdw, Dwfl_Module*, dwfl_addrmodule, (Dwfl * dwfl, Dwarf_Addr address), (dwfl, address))
GOPS_LAZY_FUNCTION(libdw, Dwarf_Die*, dwfl_module_addrdie, (Dwfl_Module * mod, Dwarf_Addr addr, Dwarf_Addr* bias),
                   (mod, addr, bias))
GOPS_LAZY_FUNCTION(libdw, const char*, dwfl_module_addrinfo,
                   (Dwfl_Module * mod, GElf_Addr address, GElf_Off* offset, GElf_Sym* sym, GElf_Word* shndx,
                    Elf** elf, Dwarf_Addr* bias),
                   (mod, address, offset, sym, shndx, elf, bias))
GOPS_LAZY_FUNCTION(libdw, int, dwfl_module_build_id, (Dwfl_Module * mod, const unsigned char** bits, GElf_Addr* vaddr),
                   (mod, bits, vaddr))
GOPS_LAZY_FUNCTION(libdw, Dwarf*, dwfl_module_getdwarf, (Dwfl_Module * mod, Dwarf_Addr* bias), (mod, bias))
GOPS_LAZY_FUNCTION(libdw, const char*, dwfl_module_info,
                   (Dwfl_Module * mod, void*** userdata, Dwarf_Addr* start, Dwarf_Addr* end, Dwarf_Addr* dwbias,
                    Dwarf_Addr* symbias, const char** mainfile, const char** debugfile),
                   (mod, userdata, start, end, dwbias, symbias, mainfile, debugfile))
GOPS_LAZY_FUNCTION(libdw, bool, dwfl_attach_state,
                   (Dwfl * dwfl, Elf* elf, pid_t pid, const Dwfl_Thread_Callbacks* callbacks, void* arg),
                   (dwfl, elf, pid, callbacks, arg))
GOPS_LAZY_FUNCTION(libdw, int, dwfl_getthread_frames,
                   (Dwfl * dwfl, pid_t tid, int (*callback)(Dwfl_Frame*, void*), void* arg), (dwfl, tid, callback, arg))
GOPS_LAZY_FUNCTION(libdw, bool, dwfl_frame_pc, (Dwfl_Frame * state, Dwarf_Addr* pc, bool* isactivation),
                   (state, pc, isactivation))
GOPS_LAZY_FUNCTION(libdw, void, dwfl_thread_state_register_pc, (Dwfl_Thread * thread, Dwarf_Word pc), (thread, pc))
GOPS_LAZY_FUNCTION(libdw, bool, dwfl_thread_state_registers,
                   (Dwfl_Thread * thread, int firstreg, unsigned nregs, const Dwarf_Word* regs),
                   (thread, firstreg, nregs, regs))
