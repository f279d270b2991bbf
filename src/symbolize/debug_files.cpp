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
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/read_file.hpp"
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

// The address ranges of the objects the dynamic loader has loaded: their
// PT_LOAD segments, whole pages.
int collect_segment(dl_phdr_info* info, std::size_t, void* data) {
  auto* ranges = static_cast<std::vector<std::pair<std::uintptr_t, std::uintptr_t>>*>(data);
  const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    ranges->emplace_back(start & ~(page - 1), (start + ph.p_memsz + page - 1) & ~(page - 1));
  }
  return 0;
}

// The "start-end" at the head of a maps line.
bool mapped_range(std::string_view line, std::uintptr_t& start, std::uintptr_t& end) {
  const char* last = line.data() + line.size();
  auto [dash, ec] = std::from_chars(line.data(), last, start, 16);
  if (ec != std::errc() || dash == last || *dash != '-') return false;
  return std::from_chars(dash + 1, last, end, 16).ec == std::errc();
}

// /proc/self/maps without the file mappings that are no loaded object's
// segment. libelf maps a whole ELF file to read it (libc.so.6 among them,
// once symbolized); reported again, such a mapping became part of the
// module, whose base then moved to it: every later address in libc was
// named at the wrong offset, and an unrelated page near it was called
// libc's. Anonymous mappings are kept (libdwfl passes over them).
int read_loaded_maps(std::string& out) {
  std::string text;
  if (int err = read_file("/proc/self/maps", text); err != 0) return err;
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> loaded;
  ::dl_iterate_phdr(collect_segment, &loaded);
  auto is_loaded = [&](std::uintptr_t start, std::uintptr_t end) {
    return std::any_of(loaded.begin(), loaded.end(), [&](const auto& r) { return start < r.second && r.first < end; });
  };
  out.clear();
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    std::size_t eol = text.find('\n', at);
    std::size_t next = eol == std::string::npos ? text.size() : eol + 1;
    std::string_view line(text.data() + at, next - at);
    at = next;
    // "start-end perms offset dev inode [path]": a file mapping has a path
    // starting with '/'.
    std::uintptr_t start = 0, end = 0;
    if (line.find(" /") != std::string_view::npos && mapped_range(line, start, end) && !is_loaded(start, end)) continue;
    out.append(line);
  }
  return 0;
}

}  // namespace

const Dwfl_Callbacks kSelfCallbacks = {
    find_elf,
    find_debuginfo,
    nullptr,
    nullptr,
};

int report_self(Dwfl* dwfl) {
  std::string text;
  if (int err = read_loaded_maps(text); err != 0) return err;
  std::FILE* maps = ::fmemopen(text.data(), text.size(), "r");
  if (maps == nullptr) return errno;
  int rc = dwfl_linux_proc_maps_report(dwfl, maps);
  std::fclose(maps);
  // The maps text names the vDSO without a file: report it from memory.
  std::uintptr_t start = 0, size = 0;
  if (vdso_extent(&start, &size)) dwfl_report_module(dwfl, kVdso.data(), start, start + size);
  return rc;
}

void prepare_module(Dwfl_Module* module) {
  Dwarf_Addr bias = 0;
  Dwarf* dwarf = dwfl_module_getdwarf(module, &bias);
  if (dwarf == nullptr) return;
  if (Dwarf* alt = open_alt(dwarf)) dwarf_setalt(dwarf, alt);
}

}  // namespace gops::symbolize
