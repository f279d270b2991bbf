#include "symbolize/inflated_debug_file.hpp"

#include <elf.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/run_beside.hpp"
#include "symbolize/debug_cache.hpp"

namespace gops::symbolize {
namespace {

// Set by use_cli_inflation().
std::atomic<bool> cli_inflation{false};

// The CLI's cache of inflated copies: opened on first use (a command that
// inflates nothing makes no directory); nullptr outside the CLI or where no
// cache dir is usable.
DebugCache* cli_cache() {
  if (!cli_inflation.load(std::memory_order_relaxed)) return nullptr;
  static DebugCache* cache = DebugCache::open_default().release();  // lives as long as the process
  return cache;
}

// Bounds on what one file may inflate to: deflate cannot expand more than
// about 1032:1, and no debug file needs a gigabyte.
constexpr std::uint64_t kMaxRatio = 1100;
constexpr std::uint64_t kMaxInflated = std::uint64_t{1} << 30;

// Sections no symbolizer reads: where variables live, macros, name
// indexes. libdw would inflate them at open all the same.
bool unread(std::string_view name) {
  for (std::string_view n : {".debug_loc", ".debug_loclists", ".debug_macro", ".debug_macinfo", ".debug_pubnames",
                             ".debug_pubtypes", ".debug_gnu_pubnames", ".debug_gnu_pubtypes"})
    if (name == n) return true;
  return false;
}

struct Plan {
  std::size_t index = 0;  // section
  bool drop = false;      // made SHT_NOBITS instead of inflated
  std::uint64_t in_offset = 0, in_size = 0;  // the compressed bytes, after the header
  std::uint64_t out_offset = 0, out_size = 0, align = 1;
};

// A read-only mapping of the file, unmapped on every path.
class Mapping {
 public:
  Mapping(void* p, std::size_t n) : p_(p), n_(n) {}
  ~Mapping() {
    if (p_ != MAP_FAILED) ::munmap(p_, n_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  bool ok() const { return p_ != MAP_FAILED; }
  std::uint8_t* bytes() const { return static_cast<std::uint8_t*>(p_); }

 private:
  void* p_;
  std::size_t n_;
};

std::uint64_t round_up(std::uint64_t v, std::uint64_t align) { return (v + align - 1) / align * align; }

// The sections to inflate or drop, and where the inflated ones go; empty
// when there is nothing to do or the headers do not hold together.
std::vector<Plan> plan_sections(const std::uint8_t* file, std::uint64_t size, std::uint64_t& out_size) {
  std::vector<Plan> plans;
  if (size < sizeof(Elf64_Ehdr)) return {};
  Elf64_Ehdr eh;
  std::memcpy(&eh, file, sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
      eh.e_shoff > size || (size - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum || eh.e_shstrndx >= eh.e_shnum)
    return {};
  auto shdr = [&](std::size_t i) {
    Elf64_Shdr s;
    std::memcpy(&s, file + eh.e_shoff + i * sizeof s, sizeof s);
    return s;
  };
  const Elf64_Shdr names = shdr(eh.e_shstrndx);
  if (names.sh_type == SHT_NOBITS || names.sh_offset > size || names.sh_size > size - names.sh_offset) return {};
  auto name_of = [&](const Elf64_Shdr& s) -> std::string_view {
    if (s.sh_name >= names.sh_size) return {};
    const char* p = reinterpret_cast<const char*>(file + names.sh_offset + s.sh_name);
    return {p, strnlen(p, names.sh_size - s.sh_name)};
  };
  out_size = round_up(size, 4096);
  std::uint64_t inflated = 0;
  bool any_inflated = false;
  for (std::size_t i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr s = shdr(i);
    if (s.sh_type == SHT_NOBITS || (s.sh_flags & SHF_COMPRESSED) == 0) continue;
    std::string_view name = name_of(s);
    if (!name.starts_with(".debug_")) continue;
    if (s.sh_offset > size || s.sh_size > size - s.sh_offset || s.sh_size < sizeof(Elf64_Chdr)) return {};
    Elf64_Chdr ch;
    std::memcpy(&ch, file + s.sh_offset, sizeof ch);
    if (ch.ch_type != ELFCOMPRESS_ZLIB) return {};
    Plan p;
    p.index = i;
    p.in_offset = s.sh_offset + sizeof ch;
    p.in_size = s.sh_size - sizeof ch;
    p.drop = unread(name);
    if (!p.drop) {
      if (ch.ch_size > p.in_size * kMaxRatio || ch.ch_size > kMaxInflated - inflated) return {};
      inflated += ch.ch_size;
      p.align = ch.ch_addralign == 0 ? 1 : std::min<std::uint64_t>(ch.ch_addralign, 4096);
      p.out_offset = round_up(out_size, std::max<std::uint64_t>(p.align, 16));
      p.out_size = ch.ch_size;
      out_size = p.out_offset + p.out_size;
      any_inflated = true;
    }
    plans.push_back(p);
  }
  if (!any_inflated) return {};  // nothing compressed that libdw would read
  return plans;
}

// Memory for one inflated section at a time, in huge pages where the
// kernel allows them (transparent huge pages on madvise, Debian's default):
// touching fresh memory page by page costs a page fault per 4 KiB, which
// on a virtual machine costs more than inflating the page.
class Scratch {
 public:
  explicit Scratch(std::uint64_t size) : size_(round_up(size, kHuge)) {
    void* p = ::mmap(nullptr, size_ + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    raw_ = static_cast<std::uint8_t*>(p);
    data_ = reinterpret_cast<std::uint8_t*>(round_up(reinterpret_cast<std::uintptr_t>(raw_), kHuge));
    ::madvise(data_, size_, MADV_HUGEPAGE);
  }
  ~Scratch() {
    if (raw_ != nullptr) ::munmap(raw_, size_ + kHuge);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::uint8_t* data() const { return data_; }

 private:
  static constexpr std::uint64_t kHuge = 2 << 20;
  std::uint64_t size_;
  std::uint8_t* raw_ = nullptr;
  std::uint8_t* data_ = nullptr;
};

bool write_all(int fd, const std::uint8_t* p, std::uint64_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::uint64_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
}

// Inflates `plans` into out_fd (or marks them dropped), each section header
// rewritten to point at its inflated bytes. False if any fails.
bool inflate_plans(const std::uint8_t* file, const Elf64_Ehdr& eh, const std::vector<const Plan*>& plans, int out_fd) {
  std::uint64_t largest = 0;
  for (const Plan* p : plans) largest = std::max(largest, p->drop ? 0 : p->out_size);
  Scratch scratch(largest);
  libdeflate_decompressor* inflater = libdeflate_alloc_decompressor();
  if (scratch.data() == nullptr || inflater == nullptr) {
    if (inflater != nullptr) libdeflate_free_decompressor(inflater);
    return false;
  }
  bool ok = true;
  for (const Plan* p : plans) {
    Elf64_Shdr s;
    const std::uint64_t header_at = eh.e_shoff + p->index * sizeof s;
    std::memcpy(&s, file + header_at, sizeof s);
    s.sh_flags &= ~static_cast<std::uint64_t>(SHF_COMPRESSED);
    if (p->drop) {
      s.sh_type = SHT_NOBITS;
    } else {
      // The exact size or nothing: a stream that ends early or runs over is
      // an error (a null actual size asks libdeflate for exactly out_size).
      if (libdeflate_zlib_decompress(inflater, file + p->in_offset, p->in_size, scratch.data(), p->out_size,
                                     nullptr) != LIBDEFLATE_SUCCESS ||
          !write_all(out_fd, scratch.data(), p->out_size, p->out_offset)) {
        ok = false;
        break;
      }
      s.sh_offset = p->out_offset;
      s.sh_size = p->out_size;
      s.sh_addralign = p->align;
    }
    if (!write_all(out_fd, reinterpret_cast<const std::uint8_t*>(&s), sizeof s, header_at)) {
      ok = false;
      break;
    }
  }
  libdeflate_free_decompressor(inflater);
  return ok;
}

// The copy, in a memfd written with pwrite (the kernel allocates its pages
// without a fault each); -1 if anything fails.
int build_copy(const std::uint8_t* file, std::uint64_t size) {
  std::uint64_t out_size = 0;
  std::vector<Plan> plans = plan_sections(file, size, out_size);
  if (plans.empty()) return -1;
  int out_fd = ::memfd_create("gops-debug-info", MFD_CLOEXEC);
  if (out_fd < 0) return -1;
  auto fail = [&] {
    ::close(out_fd);
    return -1;
  };
  if (::ftruncate(out_fd, static_cast<off_t>(out_size)) != 0) return fail();
  // Everything but the compressed sections, where it was (their old bytes
  // stay holes, which cost nothing).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> skip;
  for (const Plan& p : plans) skip.emplace_back(p.in_offset - sizeof(Elf64_Chdr), p.in_offset + p.in_size);
  std::sort(skip.begin(), skip.end());
  std::uint64_t at = 0;
  for (const auto& [from, to] : skip) {
    if (from > at && !write_all(out_fd, file + at, from - at, at)) return fail();
    at = std::max(at, to);
  }
  if (at < size && !write_all(out_fd, file + at, size - at, at)) return fail();

  Elf64_Ehdr eh;
  std::memcpy(&eh, file, sizeof eh);
  // In the CLI, a second thread takes the largest section (.debug_info,
  // often twice the rest together) while this thread does the others.
  std::size_t largest = 0;
  for (std::size_t i = 0; i < plans.size(); ++i)
    if (plans[i].out_size > plans[largest].out_size) largest = i;
  const bool split = cli_inflation.load(std::memory_order_relaxed) && plans.size() > 1;
  std::vector<const Plan*> mine, theirs;
  for (std::size_t i = 0; i < plans.size(); ++i) (split && i == largest ? theirs : mine).push_back(&plans[i]);
  bool mine_ok = false, theirs_ok = true;
  auto inflate_mine = [&] { mine_ok = inflate_plans(file, eh, mine, out_fd); };
  if (split)
    run_beside([&] { theirs_ok = inflate_plans(file, eh, theirs, out_fd); }, inflate_mine);
  else
    inflate_mine();
  if (!mine_ok || !theirs_ok) return fail();
  return out_fd;
}

}  // namespace

void use_cli_inflation() { cli_inflation.store(true, std::memory_order_relaxed); }

int inflate_debug_sections(int fd) {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr)))
    return fd;
  DebugCache* cache = cli_cache();
  if (cache != nullptr) {
    if (int hit = cache->find(st); hit >= 0) {
      ::close(fd);
      return hit;
    }
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  Mapping file(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), size);
  if (!file.ok()) return fd;
  int copy = build_copy(file.bytes(), size);
  if (copy < 0) return fd;
  ::close(fd);
  struct stat copied {};
  if (cache != nullptr && ::fstat(copy, &copied) == 0) cache->store(st, copy, static_cast<std::uint64_t>(copied.st_size));
  return copy;
}

}  // namespace gops::symbolize
