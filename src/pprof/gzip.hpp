// gzip (RFC 1952) of a byte string with zlib, as pprof files are stored.
// Not async-signal-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gops::pprof {

Result<std::string> gzip(std::string_view data);

// The inverse, for tests and tools; refuses output beyond `max_size`.
Result<std::string> gunzip(std::string_view data, std::size_t max_size = 256u << 20);

}  // namespace gops::pprof
