#include "goruntime/remote_reader.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace gops::goruntime {

const RemoteReader::Chunk& RemoteReader::chunk(std::uint64_t base) const {
  auto it = chunks_.find(base);
  if (it != chunks_.end()) return it->second;
  Chunk c;
  c.bytes = arena_.allocate(kChunk);
  // One call for the whole chunk; if part of it is unmapped, page by page
  // (a page is mapped or not as a whole).
  if (memory_.read(base, {c.bytes, kChunk}).ok()) {
    c.page_ok = ~std::uint64_t{0};
  } else {
    std::vector<attach::ReadPiece> pages;
    for (std::uint64_t i = 0; i < kChunk / kPage; ++i) pages.push_back({base + i * kPage, c.bytes + i * kPage, kPage});
    if (memory_.read_batch(pages).ok())
      for (std::uint64_t i = 0; i < pages.size(); ++i)
        if (pages[i].ok) c.page_ok |= std::uint64_t{1} << i;
  }
  return chunks_.emplace(base, std::move(c)).first->second;
}

bool RemoteReader::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    std::uint64_t at = addr + done;
    if (at < addr) return false;  // wrapped
    std::uint64_t base = at & ~(kChunk - 1);
    const Chunk& c = chunk(base);
    std::uint64_t off = at - base;
    std::size_t n = std::min<std::size_t>(out.size() - done, kChunk - off);
    for (std::uint64_t p = off / kPage; p <= (off + n - 1) / kPage; ++p)
      if (!(c.page_ok >> p & 1)) return false;
    std::memcpy(out.data() + done, c.bytes + off, n);
    done += n;
  }
  return true;
}

}  // namespace gops::goruntime
