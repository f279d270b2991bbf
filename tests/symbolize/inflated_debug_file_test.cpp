// The in-memory copy of a debug file with its compressed DWARF inflated
// (src/symbolize/inflated_debug_file.hpp), against libdw reading the same
// compressed file itself: a .debug file made at build time by objcopy
// --only-keep-debug --compress-debug-sections=zlib from the C peer.
#include "symbolize/inflated_debug_file.hpp"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"

namespace gops::test {
namespace {

using symbolize::inflate_debug_sections;

int open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  return fd;
}

struct Section {
  std::string name;
  GElf_Shdr header;
};

std::vector<Section> sections(int fd) {
  std::vector<Section> out;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf == nullptr) return out;
  std::size_t names = 0;
  elf_getshdrstrndx(elf, &names);
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    Section s;
    if (gelf_getshdr(scn, &s.header) == nullptr) continue;
    const char* name = elf_strptr(elf, names, s.header.sh_name);
    s.name = name ? name : "";
    out.push_back(s);
  }
  elf_end(elf);
  return out;
}

// Every unit's name and its line table (address, line, file), as libdw
// reads them from `fd`.
std::vector<std::string> units_and_lines(int fd) {
  std::vector<std::string> out;
  Dwarf* dwarf = dwarf_begin(fd, DWARF_C_READ);
  if (dwarf == nullptr) return out;
  Dwarf_Off offset = 0, next = 0;
  std::size_t header = 0;
  while (dwarf_nextcu(dwarf, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die unit;
    if (dwarf_offdie(dwarf, offset + header, &unit) != nullptr) {
      const char* name = dwarf_diename(&unit);
      out.push_back(std::string("unit ") + (name ? name : "?"));
      Dwarf_Lines* lines = nullptr;
      std::size_t count = 0;
      if (dwarf_getsrclines(&unit, &lines, &count) == 0) {
        for (std::size_t i = 0; i < count; ++i) {
          Dwarf_Line* line = dwarf_onesrcline(lines, i);
          Dwarf_Addr addr = 0;
          int lineno = 0;
          dwarf_lineaddr(line, &addr);
          dwarf_lineno(line, &lineno);
          const char* file = dwarf_linesrc(line, nullptr, nullptr);
          out.push_back(std::to_string(addr) + " " + std::to_string(lineno) + " " + (file ? file : "?"));
        }
      }
    }
    offset = next;
  }
  dwarf_end(dwarf);
  return out;
}

TEST(InflatedDebugFile, TheTestFileHasCompressedDwarf) {
  int fd = open_file(COMPRESSED_DEBUG_FILE);
  bool compressed = false;
  for (const Section& s : sections(fd))
    if (s.name.starts_with(".debug_") && (s.header.sh_flags & SHF_COMPRESSED) != 0) compressed = true;
  ::close(fd);
  EXPECT_TRUE(compressed) << "objcopy did not compress " << COMPRESSED_DEBUG_FILE;
}

TEST(InflatedDebugFile, NoCompressedSectionIsLeftForLibdw) {
  int fd = inflate_debug_sections(open_file(COMPRESSED_DEBUG_FILE));
  ASSERT_GE(fd, 0);
  auto all = sections(fd);
  ::close(fd);
  ASSERT_FALSE(all.empty());
  bool info = false;
  for (const Section& s : all) {
    if (!s.name.starts_with(".debug_")) continue;
    EXPECT_EQ(s.header.sh_flags & SHF_COMPRESSED, 0u) << s.name;
    if (s.name == ".debug_loc" || s.name == ".debug_loclists") {
      EXPECT_EQ(s.header.sh_type, SHT_NOBITS) << s.name;
    }
    if (s.name == ".debug_info") info = s.header.sh_type == SHT_PROGBITS && s.header.sh_size > 0;
  }
  EXPECT_TRUE(info);
}

TEST(InflatedDebugFile, LibdwReadsTheSameUnitsAndLinesAsFromTheCompressedFile) {
  int original = open_file(COMPRESSED_DEBUG_FILE);
  auto expected = units_and_lines(original);
  ::close(original);
  ASSERT_GT(expected.size(), 10u);  // the peer's units and their lines
  int copy = inflate_debug_sections(open_file(COMPRESSED_DEBUG_FILE));
  auto got = units_and_lines(copy);
  ::close(copy);
  EXPECT_EQ(got, expected);
}

TEST(InflatedDebugFile, AStreamThatDoesNotInflateLeavesTheFileAsItIs) {
  TempDir dir;
  std::string bytes = read_file(COMPRESSED_DEBUG_FILE);
  int fd = open_file(COMPRESSED_DEBUG_FILE);
  std::uint64_t at = 0, size = 0;
  for (const Section& s : sections(fd))
    if (s.name == ".debug_info") {
      at = s.header.sh_offset;
      size = s.header.sh_size;
    }
  ::close(fd);
  ASSERT_GT(size, 64u);
  // The zlib stream after the compression header, garbled half way.
  for (std::uint64_t i = at + size / 2; i < at + size / 2 + 32; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  std::string path = dir.path() + "/garbled.debug";
  write_file(path, bytes);
  int garbled = open_file(path);
  EXPECT_EQ(inflate_debug_sections(garbled), garbled);
  ::close(garbled);
}

TEST(InflatedDebugFile, FilesWithoutCompressedDwarfAreLeftAsTheyAre) {
  TempDir dir;
  write_file(dir.path() + "/text", "not an ELF file\n");
  write_file(dir.path() + "/empty", "");
  std::string elf = read_file(COMPRESSED_DEBUG_FILE);
  write_file(dir.path() + "/truncated", elf.substr(0, 100));
  for (const std::string& path : {dir.path() + "/text", dir.path() + "/empty", dir.path() + "/truncated",
                                  std::string("/proc/self/exe")}) {
    int fd = open_file(path);
    EXPECT_EQ(inflate_debug_sections(fd), fd) << path;
    ::close(fd);
  }
  // Not a regular file: left alone, not read.
  int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EXPECT_EQ(inflate_debug_sections(fd), fd);
  ::close(fd);
}

}  // namespace
}  // namespace gops::test
