#include "pprof/mappings.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/read_file.hpp"

namespace gops::pprof {
namespace {

// The whole of a /proc file (what was read of it, on an error).
std::string read_proc_text(const char* path) {
  std::string text;
  (void)read_file(path, text);
  return text;
}

bool parse_hex(std::string_view& text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

bool skip(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

std::string_view next_field(std::string_view& text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::size_t end = text.find(' ');
  if (end == std::string_view::npos) end = text.size();
  std::string_view field = text.substr(0, end);
  text.remove_prefix(end);
  return field;
}

// A loaded object's address ranges and build ID.
struct LoadedObject {
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> segments;
  std::string build_id;
};

std::string hex(const unsigned char* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// The NT_GNU_BUILD_ID note inside one loaded PT_NOTE segment. The loader
// validated these headers when it mapped the object; sizes are still checked
// against the segment.
std::string build_id_in(const unsigned char* notes, std::size_t size) {
  std::size_t at = 0;
  while (size - at >= sizeof(ElfW(Nhdr))) {
    ElfW(Nhdr) header;
    std::memcpy(&header, notes + at, sizeof header);
    at += sizeof header;
    std::size_t name_size = (header.n_namesz + 3u) & ~std::size_t{3};
    std::size_t desc_size = (header.n_descsz + 3u) & ~std::size_t{3};
    if (name_size > size - at || desc_size > size - at - name_size) return {};
    const unsigned char* name = notes + at;
    const unsigned char* desc = notes + at + name_size;
    at += name_size + desc_size;
    if (header.n_type == NT_GNU_BUILD_ID && header.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
      return hex(desc, header.n_descsz);
  }
  return {};
}

int collect_object(dl_phdr_info* info, std::size_t, void* data) {
  auto& objects = *static_cast<std::vector<LoadedObject>*>(data);
  LoadedObject object;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD) object.segments.emplace_back(start, start + ph.p_memsz);
    if (ph.p_type == PT_NOTE && object.build_id.empty())
      object.build_id = build_id_in(reinterpret_cast<const unsigned char*>(start), ph.p_memsz);
  }
  objects.push_back(std::move(object));
  return 0;
}

}  // namespace

bool parse_maps_line(std::string_view line, MapsLine& out) {
  std::uint64_t start = 0, limit = 0, offset = 0;
  if (!parse_hex(line, start) || !skip(line, '-') || !parse_hex(line, limit) || !skip(line, ' ')) return false;
  std::string_view perms = next_field(line);
  if (perms.size() != 4) return false;
  std::string_view offset_field = next_field(line);
  if (!parse_hex(offset_field, offset) || !offset_field.empty()) return false;
  if (next_field(line).empty() || next_field(line).empty()) return false;  // device, inode
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (limit <= start) return false;
  out.start = static_cast<std::uintptr_t>(start);
  out.limit = static_cast<std::uintptr_t>(limit);
  out.offset = offset;
  out.executable = perms[2] == 'x';
  out.path = std::string(line);
  return true;
}

std::vector<Mapping> read_self_mappings() {
  std::vector<LoadedObject> objects;
  dl_iterate_phdr(collect_object, &objects);
  std::vector<Mapping> mappings;
  const std::string maps = read_proc_text("/proc/self/maps");
  std::string_view rest = maps;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::string text(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    MapsLine line;
    if (!parse_maps_line(text, line) || !line.executable) continue;
    if (line.path.empty() || (line.path.front() != '/' && line.path != "[vdso]")) continue;
    Mapping m{line.start, line.limit, line.offset, line.path, {}};
    for (const LoadedObject& object : objects) {
      for (auto [lo, hi] : object.segments)
        if (m.start < hi && lo < m.limit) m.build_id = object.build_id;
      if (!m.build_id.empty()) break;
    }
    mappings.push_back(std::move(m));
  }
  return mappings;
}

}  // namespace gops::pprof
