// The per-release runtime layouts (src/goruntime/runtime_layout.cpp) against
// the DWARF of runtime.g, runtime.m, runtime.gobuf and runtime.moduledata
// in the unstripped test program built by each Go release the suite has.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>

#include "support/go_target.hpp"
#include "goruntime/release.hpp"
#include "goruntime/runtime_layout.hpp"

namespace gops::test {
namespace {

using Members = std::map<std::string, long>;

// Member offsets of the named structs, from the binary's DWARF.
std::map<std::string, Members> struct_members(const std::string& path, const std::vector<std::string>& names) {
  std::map<std::string, Members> out;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return out;
  Dwarf* dw = dwarf_begin(fd, DWARF_C_READ);
  Dwarf_Off off = 0, next = 0;
  std::size_t header = 0;
  while (dw && dwarf_nextcu(dw, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu, die;
    if (dwarf_offdie(dw, off + header, &cu) && dwarf_child(&cu, &die) == 0) {
      do {
        if (dwarf_tag(&die) != DW_TAG_structure_type) continue;
        const char* name = dwarf_diename(&die);
        if (!name || std::find(names.begin(), names.end(), name) == names.end() || out.count(name)) continue;
        Members& m = out[name];
        Dwarf_Die member;
        if (dwarf_child(&die, &member) != 0) continue;
        do {
          if (dwarf_tag(&member) != DW_TAG_member) continue;
          Dwarf_Attribute attr;
          Dwarf_Word loc = 0;
          const char* mname = dwarf_diename(&member);
          if (mname && dwarf_attr(&member, DW_AT_data_member_location, &attr) && dwarf_formudata(&attr, &loc) == 0)
            m[mname] = static_cast<long>(loc);
        } while (dwarf_siblingof(&member, &member) == 0);
      } while (dwarf_siblingof(&die, &die) == 0);
    }
    off = next;
  }
  if (dw) dwarf_end(dw);
  ::close(fd);
  return out;
}

class LayoutVsDwarf : public ::testing::TestWithParam<std::string> {};

TEST_P(LayoutVsDwarf, EveryOffsetGopsReads) {
  std::string binary = goroutines_binary(GetParam());
  auto go = run({"go", "version", binary});
  auto release = goruntime::parse_release(go.out);
  ASSERT_TRUE(release) << go.out;
  auto layout = goruntime::runtime_layout(release->minor);
  ASSERT_TRUE(layout) << release->text;
  auto s = struct_members(binary, {"runtime.g", "runtime.m", "runtime.gobuf", "runtime.moduledata"});
  ASSERT_EQ(s.size(), 4u) << "DWARF of " << binary;
  Members& g = s["runtime.g"];
  Members& buf = s["runtime.gobuf"];
  const goruntime::GLayout& L = layout->g;
  EXPECT_EQ(L.m, g["m"]);
  EXPECT_EQ(L.sched_sp, g["sched"] + buf["sp"]);
  EXPECT_EQ(L.sched_pc, g["sched"] + buf["pc"]);
  EXPECT_EQ(L.sched_bp, g["sched"] + buf["bp"]);
  EXPECT_EQ(L.syscallsp, g["syscallsp"]);
  EXPECT_EQ(L.syscallpc, g["syscallpc"]);
  EXPECT_EQ(L.atomicstatus, g["atomicstatus"]);
  EXPECT_EQ(L.goid, g["goid"]);
  EXPECT_EQ(L.waitsince, g["waitsince"]);
  EXPECT_EQ(L.waitreason, g["waitreason"]);
  EXPECT_EQ(L.tracking_seq, g.count("trackingSeq") ? g["trackingSeq"] : -1);
  EXPECT_EQ(L.lockedm, g["lockedm"]);
  EXPECT_EQ(L.parent_goid, g.count("parentGoid") ? g["parentGoid"] : -1);
  EXPECT_EQ(L.gopc, g["gopc"]);
  EXPECT_EQ(L.startpc, g["startpc"]);
  EXPECT_EQ(layout->m_procid, s["runtime.m"]["procid"]);
  EXPECT_EQ(layout->moduledata_gofunc, s["runtime.moduledata"]["gofunc"]);
  EXPECT_EQ(176, s["runtime.moduledata"]["text"]);
}

std::vector<std::string> unstripped() {
  std::vector<std::string> v{""};
  for (const auto& r : toolchain_releases()) v.push_back(r);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Releases, LayoutVsDwarf, ::testing::ValuesIn(unstripped()), [](const auto& test) {
  std::string n = test.param.empty() ? "go1_19" : test.param;
  for (char& c : n)
    if (c == '.') c = '_';
  return n;
});

}  // namespace
}  // namespace gops::test
