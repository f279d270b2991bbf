#include "pprof/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace gops::pprof {
namespace {
constexpr int kGzipWindow = 15 + 16;  // 15-bit window, gzip header and trailer
constexpr int kGzipHeader = 16;

// A window no larger than the input (zlib's smallest is 2^9): at 2^15 and
// memory level 8 zlib sets up about 256 KiB, which cost a 3 KiB /metrics
// body 0.5 to 2 ms (fresh pages each time); a small input then compresses
// the same with a fraction of that.
int window_bits_for(std::size_t size) {
  int bits = 15;
  while (bits > 9 && (std::size_t{1} << (bits - 1)) >= size) --bits;
  return bits;
}
}  // namespace

Result<std::string> gzip(std::string_view data) {
  if (data.size() > UINT_MAX) return Error{"gzip: profile too large"};
  z_stream z{};
  int bits = window_bits_for(data.size());
  int mem_level = std::clamp(bits - 7, 1, 8);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits + kGzipHeader, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error{"gzip: zlib could not start"};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Error{"gzip: zlib failed to compress the profile"};
  return out;
}

Result<std::string> gunzip(std::string_view data, std::size_t max_size) {
  if (data.size() > UINT_MAX) return Error{"gunzip: input too large"};
  z_stream z{};
  if (inflateInit2(&z, kGzipWindow) != Z_OK) return Error{"gunzip: zlib could not start"};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&z);
      return Error{"gunzip: output larger than the limit"};
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      rc = Z_DATA_ERROR;  // truncated
      break;
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return Error{"gunzip: not a complete gzip stream"};
  return out;
}

}  // namespace gops::pprof
