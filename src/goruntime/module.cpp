#include "common/errno_text.hpp"
#include "goruntime/module.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <sstream>

#include "binfmt/file_image.hpp"
#include "binfmt/image.hpp"

namespace gops::goruntime {
namespace {

constexpr std::uint32_t kMagic116 = 0xfffffffa, kMagic118 = 0xfffffff0, kMagic120 = 0xfffffff1;

// moduledata's first 24 words (every release read): pcHeader, six slices
// (funcnametab, cutab, filetab, pctab, pclntable, ftab), findfunctab,
// minpc, maxpc, text, etext.
constexpr std::size_t kModuleWords = 24;

struct Header {
  PclnFormat format;
  std::uint64_t nfunc, text_start, funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
};

std::optional<Header> parse_header(const std::uint8_t* h) {
  std::uint32_t magic;
  std::memcpy(&magic, h, 4);
  if (h[4] != 0 || h[5] != 0 || h[6] != 1 || h[7] != 8) return std::nullopt;  // pad, pad, minLC (x86), ptrsize
  auto word = [&](int i) {
    std::uint64_t v;
    std::memcpy(&v, h + 8 + 8 * i, 8);
    return v;
  };
  Header hd{};
  if (magic == kMagic116) {
    hd = {PclnFormat::k116, word(0), 0, word(2), word(3), word(4), word(5), word(6)};
  } else if (magic == kMagic118 || magic == kMagic120) {
    hd = {magic == kMagic118 ? PclnFormat::k118 : PclnFormat::k120, word(0), word(2), word(3), word(4), word(5),
          word(6), word(7)};
  } else {
    return std::nullopt;
  }
  if (hd.nfunc == 0 || hd.nfunc > (1u << 24)) return std::nullopt;
  return hd;
}

constexpr std::size_t kHeaderSize = 8 + 8 * 8;

// Whether the words at md describe the pclntab whose header is h at P.
bool agrees(const std::uint64_t* md, std::uint64_t p, const Header& h) {
  auto ptr = [&](int slice) { return md[1 + 3 * slice]; };
  auto len = [&](int slice) { return md[2 + 3 * slice]; };
  auto cap = [&](int slice) { return md[3 + 3 * slice]; };
  if (md[0] != p) return false;
  if (ptr(0) != p + h.funcname_off || ptr(1) != p + h.cu_off || ptr(2) != p + h.filetab_off ||
      ptr(3) != p + h.pctab_off || ptr(4) != p + h.pcln_off || ptr(5) != p + h.pcln_off)
    return false;
  for (int s = 0; s < 6; ++s)
    if (len(s) > cap(s) || len(s) > (std::uint64_t{1} << 32)) return false;
  if (len(5) != h.nfunc + 1) return false;
  std::uint64_t minpc = md[20], maxpc = md[21], text = md[22], etext = md[23];
  return minpc <= maxpc && text <= minpc && maxpc <= etext + 1 && text != 0;
}

ModuleData to_moduledata(std::uint64_t addr, const std::uint64_t* md, const Header& h) {
  ModuleData m;
  m.address = addr;
  m.pcheader = md[0];
  m.format = h.format;
  m.nfunc = h.nfunc;
  auto slice = [&](int s) { return Slice{md[1 + 3 * s], md[2 + 3 * s]}; };
  m.funcnametab = slice(0);
  m.cutab = slice(1);
  m.filetab = slice(2);
  m.pctab = slice(3);
  m.pclntable = slice(4);
  m.ftab = slice(5);
  // Slices count elements: []uint32 and []functab become byte lengths.
  m.cutab.len *= 4;
  m.ftab.len *= h.format == PclnFormat::k116 ? 16 : 8;
  m.minpc = md[20];
  m.maxpc = md[21];
  m.text = md[22];
  m.etext = md[23];
  // Entry offsets count from moduledata.text (pcHeader.textStart held the
  // same value until 1.26, which leaves that field zero).
  m.text_start = m.text;
  return m;
}

std::optional<ExeMapping> parse_maps_line(const std::string& line, const std::string& path) {
  // start-end perms offset dev inode path
  std::istringstream in(line);
  std::string range, perms, offset, dev, inode;
  if (!(in >> range >> perms >> offset >> dev >> inode)) return std::nullopt;
  std::string rest;
  std::getline(in, rest);
  auto first = rest.find_first_not_of(' ');
  rest = first == std::string::npos ? "" : rest.substr(first);
  if (rest != path && rest != path + " (deleted)") return std::nullopt;
  auto dash = range.find('-');
  if (dash == std::string::npos || perms.size() < 3) return std::nullopt;
  ExeMapping m;
  m.start = std::stoull(range.substr(0, dash), nullptr, 16);
  m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
  m.file_offset = std::stoull(offset, nullptr, 16);
  m.readable = perms[0] == 'r';
  m.writable = perms[1] == 'w';
  m.executable = perms[2] == 'x';
  return m;
}

}  // namespace

Result<ExeLayout> read_exe_layout(pid_t pid) {
  ExeLayout exe;
  std::string proc = "/proc/" + std::to_string(pid);
  char buf[4096];
  ssize_t n = ::readlink((proc + "/exe").c_str(), buf, sizeof buf - 1);
  if (n <= 0) return Error{"cannot read " + proc + "/exe: " + errno_text(errno)};
  exe.path.assign(buf, static_cast<std::size_t>(n));
  const std::string deleted = " (deleted)";
  if (exe.path.size() > deleted.size() && exe.path.compare(exe.path.size() - deleted.size(), deleted.size(), deleted) == 0)
    exe.path.resize(exe.path.size() - deleted.size());

  std::ifstream maps(proc + "/maps");
  if (!maps) return Error{"cannot read " + proc + "/maps"};
  for (std::string line; std::getline(maps, line);)
    if (auto m = parse_maps_line(line, exe.path)) exe.mappings.push_back(*m);
  if (exe.mappings.empty()) return Error{"no mapping of " + exe.path + " in " + proc + "/maps"};

  // The file as the process runs it (this works for a deleted file too).
  auto file = binfmt::FileImage::open(proc + "/exe");
  if (!file) return file.error();
  auto image = binfmt::read_image((*file)->view());
  if (!image) return image.error();
  if (image->format != binfmt::Format::kElf) return Error{"not an ELF executable"};

  // The load bias: where the file's first byte is mapped, minus the link
  // address of the segment that maps it.
  std::optional<std::uint64_t> link_base;
  for (const auto& seg : image->segments)
    if (seg.offset == 0 && seg.filesz > 0) link_base = link_base ? std::min(*link_base, seg.vaddr) : seg.vaddr;
  for (const auto& m : exe.mappings)
    if (m.file_offset == 0 && link_base) {
      exe.bias = m.start - (*link_base & ~std::uint64_t{0xfff});
      break;
    }
  for (const auto& s : image->sections) {
    if (s.name == ".gopclntab" || s.name == ".data.rel.ro.gopclntab") exe.pclntab = s.vaddr + exe.bias;
    if (s.name == ".go.module" && s.size > 0) exe.moduledata_section = {{s.vaddr + exe.bias, s.size}};
    if (s.name == ".noptrdata" && s.size > 0) exe.noptrdata_section = {{s.vaddr + exe.bias, s.size}};
  }
  return exe;
}

Result<ModuleData> find_moduledata(const attach::ProcessMemory& memory, const ExeLayout& exe) {
  // Where to look: the sections that hold it, else every writable mapping
  // of the executable.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  if (exe.moduledata_section) ranges.push_back(*exe.moduledata_section);
  if (exe.noptrdata_section) ranges.push_back(*exe.noptrdata_section);
  for (const auto& m : exe.mappings)
    if (m.writable) ranges.push_back({m.start, m.end - m.start});

  auto in_readonly = [&](std::uint64_t addr) {
    for (const auto& m : exe.mappings)
      if (!m.writable && m.readable && addr >= m.start && addr < m.end) return true;
    return false;
  };

  std::optional<Error> read_error;
  for (const auto& [start, size] : ranges) {
    std::vector<std::uint64_t> words(size / 8);
    if (words.size() < kModuleWords) continue;
    auto s = memory.read(start, {reinterpret_cast<std::uint8_t*>(words.data()), words.size() * 8});
    if (!s) {
      if (!read_error) read_error = s.error();
      continue;
    }
    for (std::size_t i = 0; i + kModuleWords <= words.size(); ++i) {
      std::uint64_t p = words[i];
      if (exe.pclntab ? p != *exe.pclntab : !in_readonly(p)) continue;
      // Cheap structural filter before reading the header it points at.
      if (words[i + 1] <= p || words[i + 1] - p > (1u << 20) || words[i + 2] > words[i + 3]) continue;
      std::array<std::uint8_t, kHeaderSize> hbuf{};
      if (!memory.read(p, hbuf).ok()) continue;
      auto h = parse_header(hbuf.data());
      if (!h || !agrees(&words[i], p, *h)) continue;
      return to_moduledata(start + 8 * i, &words[i], *h);
    }
  }
  if (read_error) return *read_error;
  return Error{"no Go function table (runtime.firstmoduledata) in its memory: not a Go program, or a Go older than 1.16"};
}

Result<std::uint64_t> read_gofunc(const attach::ProcessMemory& memory, const ModuleData& md, int offset) {
  if (offset == 0) return std::uint64_t{0};
  auto v = attach::read_value<std::uint64_t>(memory, md.address + static_cast<std::uint64_t>(offset));
  if (!v) return v.error();
  return *v;
}

}  // namespace gops::goruntime
