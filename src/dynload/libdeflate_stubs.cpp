// The functions of libdeflate that gops calls (inflating compressed debug
// files), loaded on first use (dynload/lazy_library.hpp).
#include <libdeflate.h>

#include "dynload/lazy_library.hpp"

namespace {
constinit gops::dynload::LazyLibrary libdeflate("libdeflate.so.0");
}  // namespace

GOPS_LAZY_FUNCTION(libdeflate, libdeflate_decompressor*, libdeflate_alloc_decompressor, (void), ())
GOPS_LAZY_FUNCTION(libdeflate, void, libdeflate_free_decompressor, (libdeflate_decompressor * decompressor),
                   (decompressor))
GOPS_LAZY_FUNCTION(libdeflate, libdeflate_result, libdeflate_zlib_decompress,
                   (libdeflate_decompressor * decompressor, const void* in, size_t in_nbytes, void* out,
                    size_t out_nbytes_avail, size_t* actual_out_nbytes_ret),
                   (decompressor, in, in_nbytes, out, out_nbytes_avail, actual_out_nbytes_ret))
