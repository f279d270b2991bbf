#include "attach/process_memory.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

#include "attach/access_error.hpp"

namespace gops::attach {
namespace {

constexpr std::size_t kMaxIov = IOV_MAX;

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

long ProcessMemory::readv(std::span<ReadPiece> pieces) const {
  iovec local[kMaxIov];
  iovec remote[kMaxIov];
  std::size_t n = std::min(pieces.size(), kMaxIov);
  for (std::size_t i = 0; i < n; ++i) {
    local[i] = {pieces[i].out, pieces[i].size};
    remote[i] = {reinterpret_cast<void*>(static_cast<std::uintptr_t>(pieces[i].addr)), pieces[i].size};
  }
  ++calls_;
  ssize_t got = ::process_vm_readv(pid_, local, n, remote, n, 0);
  if (got < 0) return -errno;
  return got;
}

Error ProcessMemory::failure(int err) const { return access_error(pid_, err, Access::kRead, succeeded_once_); }

Status ProcessMemory::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  if (out.empty()) return Ok{};
  // process_vm_readv takes at most IOV_MAX pieces, but each may be large:
  // one piece suffices; a short count means the range ends in a hole.
  std::size_t done = 0;
  while (done < out.size()) {
    ReadPiece rest{addr + done, out.data() + done, out.size() - done};
    long got = readv({&rest, 1});
    if (got < 0) {
      if (-got == EINTR) continue;
      if (-got == EFAULT) return Error{"address " + hex(addr + done) + " is not mapped in process " + std::to_string(pid_)};
      return failure(static_cast<int>(-got));
    }
    if (got == 0) return Error{"address " + hex(addr + done) + " is not mapped in process " + std::to_string(pid_)};
    succeeded_once_ = true;
    done += static_cast<std::size_t>(got);
  }
  return Ok{};
}

Status ProcessMemory::read_batch(std::span<ReadPiece> pieces) const {
  for (auto& p : pieces) p.ok = p.size == 0;
  std::size_t i = 0;
  while (i < pieces.size()) {
    if (pieces[i].size == 0) {
      ++i;
      continue;
    }
    std::span<ReadPiece> batch = pieces.subspan(i, std::min(pieces.size() - i, kMaxIov));
    long got = readv(batch);
    if (got < 0) {
      int err = static_cast<int>(-got);
      if (err == EINTR) continue;
      if (err != EFAULT) return failure(err);
      // The first remote piece is unmapped: skip it alone.
      ++i;
      continue;
    }
    succeeded_once_ = true;
    // The kernel stops at the first piece it cannot read completely; the
    // count says how far it got.
    std::size_t left = static_cast<std::size_t>(got);
    std::size_t k = 0;
    for (; k < batch.size() && left >= batch[k].size; ++k) {
      left -= batch[k].size;
      batch[k].ok = true;
    }
    if (k == batch.size()) {
      i += k;
      continue;
    }
    // batch[k] was read partly or not at all: it counts as failed (a
    // piece is all or nothing), and reading resumes after it.
    i += k + 1;
  }
  return Ok{};
}

}  // namespace gops::attach
