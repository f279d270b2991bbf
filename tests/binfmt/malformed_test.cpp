// Malformed input: hand-made hostile headers, truncated and bit-flipped
// copies of real binaries. Every case must end in an error or in the right
// answer (what Go 1.19's `go version -m` reads from the same bytes), never in
// a crash, a hang or an out-of-bounds read (the asan preset runs these).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <functional>
#include <random>

#include "binfmt/go_info.hpp"
#include "binfmt/image.hpp"
#include "binfmt/synthetic_images.hpp"
#include "binfmt/test_binaries.hpp"
#include "support/process.hpp"

namespace gops::binfmt {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::Kind;

// Reads from a buffer exactly as long as the input, so that ASan sees any
// read past its end.
Result<GoInfo> read_exact(const Bytes& bytes, std::size_t n) {
  Bytes copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
  copy.shrink_to_fit();
  return read_go_info(copy);
}

std::string write_exe(const gops::test::TempDir& dir, const std::string& name, const Bytes& bytes) {
  std::string path = dir.path() + "/" + name;
  gops::test::write_file(path, std::string(bytes.begin(), bytes.end()));
  ::chmod(path.c_str(), 0755);
  return path;
}

// --- synthetic images: valid ones read as Go reads them -------------------

class SyntheticImage : public ::testing::TestWithParam<std::tuple<Kind, bool>> {};

TEST_P(SyntheticImage, ReadsAsGoVersionM) {
  auto [kind, inline_form] = GetParam();
  test::BlobSpec spec;
  spec.inline_form = inline_form;
  auto img = test::make_synthetic(kind, spec);
  auto info = read_exact(img.bytes, img.bytes.size());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->go_version, spec.version);
  EXPECT_EQ(info->module_info, spec.module);
  gops::test::TempDir dir;
  std::string path = write_exe(dir, "synthetic", img.bytes);
  EXPECT_EQ(format_version_m(path, *info), test::go_version_m(path));
}

INSTANTIATE_TEST_SUITE_P(Formats, SyntheticImage,
                         ::testing::Combine(::testing::ValuesIn(test::all_kinds()), ::testing::Bool()),
                         [](const auto& p) {
                           return test::kind_name(std::get<0>(p.param)) + (std::get<1>(p.param) ? "_inline" : "_pointer");
                         });

// --- hostile headers -------------------------------------------------------

struct Edit {
  std::string what;
  std::function<void(Bytes&, const test::Synthetic&)> apply;
};

void put_le(Bytes& b, std::size_t at, std::uint64_t v, int width) {
  for (int i = 0; i < width; ++i) b.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(v >> (8 * i));
}

// The edited image must not yield a version: an error (one line), or, when
// the Go sections are still there, kUnknownGoVersion with no module text.
void expect_no_version(const Bytes& bytes, const std::string& what) {
  auto info = read_exact(bytes, bytes.size());
  if (info.ok()) {
    EXPECT_EQ(info->go_version, kUnknownGoVersion) << what;
    EXPECT_EQ(info->module_info, "") << what;
  } else {
    EXPECT_FALSE(info.message().empty());
    EXPECT_EQ(info.message().find('\n'), std::string::npos) << "one line: " << info.message();
  }
}

// Broken tables: the reader itself must refuse.
void expect_error(const Bytes& bytes, const std::string& what) {
  auto info = read_exact(bytes, bytes.size());
  EXPECT_FALSE(info.ok()) << what << " read as " << (info.ok() ? info->go_version : "");
  if (!info.ok()) {
    EXPECT_EQ(info.message().find('\n'), std::string::npos) << "one line: " << info.message();
  }
}

TEST(HostileHeaders, Elf) {
  auto base = test::make_synthetic(Kind::kElf64Le);
  const std::vector<Edit> edits{
      {"huge section count", [](Bytes& b, auto& s) { put_le(b, s.count_field, 0xffff, 2); }},
      {"section table past the end", [](Bytes& b, auto&) { put_le(b, 40, b.size() + 1, 8); }},
      {"section table offset wraps", [](Bytes& b, auto&) { put_le(b, 40, ~0ull - 16, 8); }},
      {"program table offset wraps", [](Bytes& b, auto&) { put_le(b, 32, ~0ull - 8, 8); }},
      {"huge program header count", [](Bytes& b, auto&) { put_le(b, 56, 0xfffe, 2); }},
      {"tiny section entry size", [](Bytes& b, auto&) { put_le(b, 58, 8, 2); }},
      {"name table index out of range", [](Bytes& b, auto&) { put_le(b, 62, 7, 2); }},
      {"name table past the end", [](Bytes& b, auto& s) { put_le(b, s.header_table + 2 * 64 + 24, ~0ull, 8); }},
      {"extended count, huge", [](Bytes& b, auto& s) {
         put_le(b, s.count_field, 0, 2);
         put_le(b, s.header_table + 32, 1ull << 40, 8);
       }},
      {"segment size overflows", [](Bytes& b, auto&) { put_le(b, 64 + 32, ~0ull, 8); }},
      {"segment past the end", [](Bytes& b, auto&) { put_le(b, 64 + 8, 1ull << 32, 8); }},
      {"inline version length huge", [](Bytes& b, auto& s) {
         for (std::size_t i = 0; i < 9; ++i) b.at(s.blob_offset + 32 + i) = 0xff;
         b.at(s.blob_offset + 41) = 0x01;
       }},
      {"no magic", [](Bytes& b, auto& s) { b.at(s.blob_offset) = 0; }},
      {"bad class", [](Bytes& b, auto&) { b.at(4) = 9; }},
  };
  for (const auto& e : edits) {
    Bytes b = base.bytes;
    e.apply(b, base);
    if (e.what.find("segment") != std::string::npos || e.what.find("magic") != std::string::npos ||
        e.what.find("inline") != std::string::npos || e.what.find("section data") != std::string::npos ||
        e.what.find("section size") != std::string::npos)
      expect_no_version(b, e.what);
    else
      expect_error(b, e.what);
  }
}

TEST(HostileHeaders, GoStringHeadersPointingOutside) {
  test::BlobSpec spec;
  spec.inline_form = false;
  auto base = test::make_synthetic(Kind::kElf64Le, spec);
  const std::size_t hdrs = base.blob_offset + 32;
  for (auto [what, at, value] : {std::tuple{"version data pointer outside", hdrs, ~0ull - 4},
                                 std::tuple{"version length 2^63", hdrs + 8, 1ull << 63},
                                 std::tuple{"version length past the segment", hdrs + 8, 1ull << 20},
                                 std::tuple{"header pointer outside", base.blob_offset + 16, 0x10ull}}) {
    Bytes b = base.bytes;
    put_le(b, at, value, 8);
    expect_no_version(b, what);
  }
  // A bad module pointer only loses the module text, as in Go.
  Bytes b = base.bytes;
  put_le(b, hdrs + 24, 1ull << 62, 8);
  auto info = read_exact(b, b.size());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->module_info, "");
}

TEST(HostileHeaders, MachO) {
  auto base = test::make_synthetic(Kind::kMachO64);
  const std::vector<Edit> edits{
      {"huge command count", [](Bytes& b, auto& s) { put_le(b, s.count_field, 0xffffffff, 4); }},
      {"commands past the end", [](Bytes& b, auto&) { put_le(b, 20, 0xffffffff, 4); }},
      {"zero command size", [](Bytes& b, auto& s) { put_le(b, s.header_table + 4, 0, 4); }},
      {"command size past the table", [](Bytes& b, auto& s) { put_le(b, s.header_table + 4, 0x10000, 4); }},
      {"huge section count", [](Bytes& b, auto& s) { put_le(b, s.header_table + 64, 0x7fffffff, 4); }},
      {"segment offset wraps", [](Bytes& b, auto& s) { put_le(b, s.header_table + 40, ~0ull, 8); }},
      {"segment size past the end", [](Bytes& b, auto& s) { put_le(b, s.header_table + 48, 1ull << 40, 8); }},
  };
  for (const auto& e : edits) {
    Bytes b = base.bytes;
    e.apply(b, base);
    if (e.what.find("segment") != std::string::npos || e.what.find("magic") != std::string::npos ||
        e.what.find("inline") != std::string::npos || e.what.find("section data") != std::string::npos ||
        e.what.find("section size") != std::string::npos)
      expect_no_version(b, e.what);
    else
      expect_error(b, e.what);
  }
  // A universal header with a huge arch count, or a slice outside the file.
  Bytes fat{0xca, 0xfe, 0xba, 0xbe, 0xff, 0xff, 0xff, 0xff};
  fat.resize(64, 0);
  expect_error(fat, "huge arch count");
  Bytes fat1{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff, 0xff};
  fat1.resize(64, 0);
  expect_error(fat1, "slice outside");
}

TEST(HostileHeaders, Pe) {
  auto base = test::make_synthetic(Kind::kPe32Plus);
  const std::vector<Edit> edits{
      {"PE header past the end", [](Bytes& b, auto&) { put_le(b, 0x3c, 0xfffffff0, 4); }},
      {"huge section count", [](Bytes& b, auto& s) { put_le(b, s.count_field, 0xffff, 2); }},
      {"optional header size past the end", [](Bytes& b, auto& s) { put_le(b, s.count_field + 14, 0xffff, 2); }},
      {"bad optional magic", [](Bytes& b, auto& s) { put_le(b, s.count_field + 18, 0x999, 2); }},
      {"section data past the end", [](Bytes& b, auto& s) { put_le(b, s.header_table + 20, 0xfffff000, 4); }},
      {"section size past the end", [](Bytes& b, auto& s) { put_le(b, s.header_table + 16, 0xfffff000, 4); }},
  };
  for (const auto& e : edits) {
    Bytes b = base.bytes;
    e.apply(b, base);
    if (e.what.find("segment") != std::string::npos || e.what.find("magic") != std::string::npos ||
        e.what.find("inline") != std::string::npos || e.what.find("section data") != std::string::npos ||
        e.what.find("section size") != std::string::npos)
      expect_no_version(b, e.what);
    else
      expect_error(b, e.what);
  }
  // A huge COFF symbol table only loses the symbols.
  Bytes b = base.bytes;
  put_le(b, base.count_field + 6, 0x100, 4);
  put_le(b, base.count_field + 10, 0xffffffff, 4);
  EXPECT_TRUE(read_exact(b, b.size()).ok());
}

// --- truncated and bit-flipped real binaries --------------------------------

std::vector<std::string> real_binaries() {
  std::vector<std::string> out;
  for (const auto& n : test::go_program_names()) out.push_back(gops::test::go_bin(n));
  if (test::corpus_missing_reason().empty())
    for (const char* n : {"esbuild-0.14.10-linux-ia32", "esbuild-0.25.0-linux-s390x", "esbuild-0.14.10-darwin-x64",
                          "esbuild-0.25.0-win32-ia32.exe"})
      out.push_back(test::corpus_dir() + "/" + n);
  return out;
}

class RealBinary : public ::testing::TestWithParam<std::string> {};

// Cut points: every length up to 256, then a spread over the file, and
// a sample of the last 8 KiB (the section headers) and of the build info.
// (Each cut copies the prefix, which ASan makes slow: the sample is sparse.)
std::vector<std::size_t> cut_points(const Bytes& bytes) {
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n <= 256 && n < bytes.size(); ++n) cuts.push_back(n);
  for (std::size_t n = 257; n < bytes.size(); n = n * 5 / 4) cuts.push_back(n);
  for (std::size_t back = 1; back < 8192 && back < bytes.size(); back += 127) cuts.push_back(bytes.size() - back);
  auto img = read_image(ByteView(bytes));
  if (img.ok())
    for (const auto& s : img->sections)
      if (s.name == ".go.buildinfo" || s.name == "__go_buildinfo" || s.name == ".data")
        for (std::size_t d = 0; d < 512; d += 29)
          if (s.offset + d < bytes.size()) cuts.push_back(s.offset + d);
  return cuts;
}

TEST_P(RealBinary, TruncatedCopiesFailCleanlyOrReadTheSame) {
  Bytes bytes = test::read_bytes(GetParam());
  auto whole = read_go_info(bytes);
  ASSERT_TRUE(whole.ok()) << whole.message();
  int errors = 0;
  for (std::size_t n : cut_points(bytes)) {
    auto info = read_exact(bytes, n);
    if (!info.ok()) {
      ++errors;
      continue;
    }
    // Go sections left but the version cut off: known to be Go, no version.
    if (info->go_version == kUnknownGoVersion && info->module_info.empty()) continue;
    // A cut past everything the reader needs changes nothing.
    EXPECT_EQ(info->go_version, whole->go_version) << "cut at " << n;
    EXPECT_EQ(info->module_info, whole->module_info) << "cut at " << n;
  }
  EXPECT_GT(errors, 256) << "short prefixes must fail";
}

// Bit flips in the headers and the build info, compared with what Go reads
// from the same bytes; and random flips anywhere, which must either not
// change the answer or change it as Go sees it.
class FlippedBinary : public ::testing::TestWithParam<std::string> {};

TEST_P(FlippedBinary, ReadsAsGoReadsIt) {
  Bytes bytes = test::read_bytes(GetParam());
  auto whole = read_go_info(bytes);
  ASSERT_TRUE(whole.ok()) << whole.message();
  gops::test::TempDir dir;
  auto img = read_image(ByteView(bytes));
  ASSERT_TRUE(img.ok());
  // 16 flips in the file header, 16 in the blob, 100 anywhere; each change
  // costs a `go version -m` run, so the sample is small but spread.
  std::mt19937_64 rng(12345);
  std::vector<std::pair<std::size_t, int>> flips;
  auto flip_in = [&](std::size_t from, std::size_t len, int count) {
    for (int i = 0; i < count; ++i)
      if (from + len <= bytes.size()) flips.emplace_back(from + rng() % len, static_cast<int>(rng() % 8));
  };
  flip_in(0, 64, 16);
  for (const auto& s : img->sections)
    if (s.name == ".go.buildinfo" || s.name == "__go_buildinfo") flip_in(s.offset, 48, 16);
  flip_in(0, bytes.size(), 100);

  int go_runs = 0;
  for (auto [at, bit] : flips) {
    // Flipped in place and back (the buffer is exactly the file: no copy).
    const auto mask = static_cast<std::uint8_t>(1u << bit);
    bytes[at] ^= mask;
    auto info = read_go_info(bytes);
    bool same = info.ok() && info->go_version == whole->go_version && info->module_info == whole->module_info;
    std::string path = same ? "" : write_exe(dir, "flipped", bytes);
    bytes[at] ^= mask;
    if (same) continue;
    // Changed or failed: Go is the judge.
    std::string want = test::go_version_m(path);
    ++go_runs;
    if (info.ok() && !want.empty()) {
      EXPECT_EQ(format_version_m(path, *info), want) << "flip at " << at << " bit " << bit;
    } else if (info.ok()) {
      // Go 1.19 gives up; our pre-1.13 fallbacks may still know it is Go.
      EXPECT_TRUE(info->module_info.empty()) << "flip at " << at << " bit " << bit;
      EXPECT_TRUE(info->go_version == whole->go_version || info->go_version == kUnknownGoVersion)
          << "flip at " << at << " bit " << bit << ": " << info->go_version;
    } else {
      EXPECT_EQ(want, "") << "flip at " << at << " bit " << bit << ": we said " << info.message();
    }
  }
  RecordProperty("go_runs", go_runs);
}

std::string binary_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param.substr(p.param.rfind('/') + 1);
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Malformed, RealBinary, ::testing::ValuesIn(real_binaries()), binary_name);

// Flips are judged by running Go, so they use fewer binaries: one of each
// reader path (plain, stripped, cgo; 32-bit pointer form; big-endian inline;
// Mach-O; PE).
std::vector<std::string> flip_binaries() {
  std::vector<std::string> out;
  for (const auto& p : real_binaries())
    if (p.find("trimpath") == std::string::npos && p.find("ldflags") == std::string::npos &&
        p.find("buildinfo_dep") == std::string::npos)
      out.push_back(p);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Malformed, FlippedBinary, ::testing::ValuesIn(flip_binaries()), binary_name);

}  // namespace
}  // namespace gops::binfmt
