// Process-level measurements shown beside results: peak resident memory.
#pragma once
#include <cstdint>

namespace zoomrt {

// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
int64_t peak_rss_bytes();

}  // namespace zoomrt
