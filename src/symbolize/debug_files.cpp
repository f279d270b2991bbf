#include "symbolize/debug_files.hpp"

#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "symbolize/inflated_debug_file.hpp"

namespace gops::symbolize {
namespace {

constexpr std::string_view kVdso = "[vdso]";
constexpr const char* kDebugRoot = "/usr/lib/debug";

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// /usr/lib/debug/.build-id/xx/yyyy.debug
std::string build_id_path(const unsigned char* id, std::size_t n) {
  if (n < 2) return {};
  return std::string(kDebugRoot) + "/.build-id/" + hex(id, 1) + "/" + hex(id + 1, n - 1) + ".debug";
}

int open_regular(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the ELF file open on `fd` carries build ID `id`.
bool has_build_id(int fd, const unsigned char* id, std::size_t n) {
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr) return false;
  const void* found = nullptr;
  ssize_t len = dwelf_elf_gnu_build_id(elf, &found);
  bool same = len == static_cast<ssize_t>(n) && std::memcmp(found, id, n) == 0;
  elf_end(elf);
  return same;
}

// The vDSO's extent in memory, from its own program headers.
bool vdso_extent(std::uintptr_t* start, std::uintptr_t* size) {
  auto base = static_cast<std::uintptr_t>(::getauxval(AT_SYSINFO_EHDR));
  if (base == 0) return false;
  const auto* ehdr = reinterpret_cast<const ElfW(Ehdr)*>(base);
  if (std::memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0) return false;
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(base + ehdr->e_phoff);
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < ehdr->e_phnum; ++i) {
    if (phdr[i].p_type != PT_LOAD) continue;
    lo = std::min<std::uintptr_t>(lo, phdr[i].p_vaddr);
    hi = std::max<std::uintptr_t>(hi, phdr[i].p_vaddr + phdr[i].p_memsz);
  }
  if (lo >= hi) return false;
  *start = base;
  *size = hi - lo;
  return true;
}

int find_elf(Dwfl_Module* module, void**, const char* name, Dwarf_Addr, char** file_name, Elf** elfp) {
  if (name == kVdso) {
    Dwarf_Addr low = 0, high = 0;
    dwfl_module_info(module, nullptr, &low, &high, nullptr, nullptr, nullptr, nullptr);
    *elfp = elf_memory(reinterpret_cast<char*>(low), high - low);
    return -1;
  }
  if (name == nullptr || name[0] != '/') return -1;
  std::string path = name;
  // A binary replaced or removed since it started: its inode lives on.
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.ends_with(kDeleted)) {
    path.resize(path.size() - kDeleted.size());
    char exe[4096];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string_view self(exe, n > 0 ? static_cast<std::size_t>(n) : 0);
    if (self.ends_with(kDeleted)) self.remove_suffix(kDeleted.size());
    if (self != path) return -1;  // a deleted library: no symbols
    path = "/proc/self/exe";
  }
  int fd = open_regular(path);
  if (fd >= 0) *file_name = ::strdup(name);
  return fd;
}

int find_debuginfo(Dwfl_Module* module, void**, const char*, Dwarf_Addr, const char* file_name,
                   const char* debuglink, GElf_Word, char** debuginfo_file_name) {
  const unsigned char* id = nullptr;
  GElf_Addr id_vaddr = 0;
  int id_len = dwfl_module_build_id(module, &id, &id_vaddr);
  auto found = [&](int fd, const std::string& path) {
    *debuginfo_file_name = ::strdup(path.c_str());
    return inflate_debug_sections(fd);
  };
  if (id_len > 0) {
    std::string path = build_id_path(id, static_cast<std::size_t>(id_len));
    if (int fd = open_regular(path); fd >= 0) return found(fd, path);
  }
  // The .gnu_debuglink name: only a file with the module's own build ID is
  // taken (no CRC walk over the whole file).
  if (debuglink == nullptr || id_len <= 0 || file_name == nullptr) return -1;
  std::string dir = file_name;
  dir.resize(dir.rfind('/') == std::string::npos ? 0 : dir.rfind('/'));
  for (const std::string& path :
       {dir + "/" + debuglink, dir + "/.debug/" + debuglink, std::string(kDebugRoot) + dir + "/" + debuglink}) {
    if (path == file_name) continue;
    int fd = open_regular(path);
    if (fd < 0) continue;
    if (has_build_id(fd, id, static_cast<std::size_t>(id_len))) return found(fd, path);
    ::close(fd);
  }
  return -1;
}

// dwz files shared by many modules, opened once and kept (libdw's Dwarf of
// a module may point at one until the process ends).
struct AltFiles {
  std::mutex mutex;
  std::map<std::string, Dwarf*> by_build_id;  // nullptr: looked for, not found
};

AltFiles& alt_files() {
  static AltFiles* files = new AltFiles;  // never destroyed: modules may outlive statics
  return *files;
}

Dwarf* open_alt(Dwarf* main) {
  const char* name = nullptr;
  const void* id = nullptr;
  ssize_t id_len = dwelf_dwarf_gnu_debugaltlink(main, &name, &id);
  if (id_len <= 0) return nullptr;
  const auto* bytes = static_cast<const unsigned char*>(id);
  std::string key = hex(bytes, static_cast<std::size_t>(id_len));
  AltFiles& files = alt_files();
  std::lock_guard lock(files.mutex);
  if (auto it = files.by_build_id.find(key); it != files.by_build_id.end()) return it->second;
  Dwarf* alt = nullptr;
  for (const std::string& path :
       {build_id_path(bytes, static_cast<std::size_t>(id_len)), std::string(name && name[0] == '/' ? name : "")}) {
    if (path.empty()) continue;
    int fd = open_regular(path);
    if (fd < 0) continue;
    if (has_build_id(fd, bytes, static_cast<std::size_t>(id_len))) {
      fd = inflate_debug_sections(fd);
      if ((alt = dwarf_begin(fd, DWARF_C_READ))) break;  // the fd stays open with the Dwarf, for good
    }
    ::close(fd);
  }
  files.by_build_id.emplace(key, alt);
  return alt;
}

// An object the dynamic loader has loaded: its name and the extent of its
// PT_LOAD segments, whole pages.
struct LoadedObject {
  std::string name;
  std::uintptr_t low = 0, high = 0;
};

int collect_object(dl_phdr_info* info, std::size_t, void* data) {
  auto* objects = static_cast<std::vector<LoadedObject>*>(data);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  LoadedObject o{info->dlpi_name != nullptr ? info->dlpi_name : "", UINTPTR_MAX, 0};
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    o.low = std::min(o.low, start & ~(page - 1));
    o.high = std::max(o.high, (start + ph.p_memsz + page - 1) & ~(page - 1));
  }
  if (o.low < o.high) objects->push_back(std::move(o));
  return 0;
}

// The main program's file, as /proc/self/maps names it (with the kernel's
// " (deleted)" when it was replaced: find_elf opens it through /proc/self/exe).
std::string main_program_path() {
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  return n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string();
}

// The file a library path names, its symlinks resolved (the loader keeps
// the name it was asked for, libstdc++.so.6; /proc/PID/maps, and so the
// CLI's dump of another process, names libstdc++.so.6.0.30). Unchanged if
// it cannot be resolved.
std::string real_path(const std::string& name) {
  if (name.empty() || name[0] != '/') return name;
  char resolved[PATH_MAX];
  return ::realpath(name.c_str(), resolved) != nullptr ? std::string(resolved) : name;
}

}  // namespace

const Dwfl_Callbacks kSelfCallbacks = {
    find_elf,
    find_debuginfo,
    nullptr,
    nullptr,
};

int report_self(Dwfl* dwfl) {
  std::vector<LoadedObject> objects;
  ::dl_iterate_phdr(collect_object, &objects);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    // The first is the main program, which the loader leaves unnamed.
    std::string name = i == 0 && objects[i].name.empty() ? main_program_path() : real_path(objects[i].name);
    // Files by their absolute path; the vDSO ("linux-vdso.so.1") below.
    if (name.empty() || name[0] != '/') continue;
    if (dwfl_report_module(dwfl, name.c_str(), objects[i].low, objects[i].high) == nullptr) return -1;
  }
  std::uintptr_t start = 0, size = 0;
  if (vdso_extent(&start, &size)) dwfl_report_module(dwfl, kVdso.data(), start, start + size);
  return 0;
}

void prepare_module(Dwfl_Module* module) {
  Dwarf_Addr bias = 0;
  Dwarf* dwarf = dwfl_module_getdwarf(module, &bias);
  if (dwarf == nullptr) return;
  if (Dwarf* alt = open_alt(dwarf)) dwarf_setalt(dwarf, alt);
}

}  // namespace gops::symbolize
