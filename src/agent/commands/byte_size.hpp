// Byte sizes as the Go agent prints them in memstats: "512 bytes" below
// 1 KiB, else "136.17KB (139440 bytes)" (powers of 1024, two decimals).
#pragma once

#include <cstdint>
#include <string>

namespace gops::agent {

std::string format_bytes(std::uint64_t bytes);

}  // namespace gops::agent
