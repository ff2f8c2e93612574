#include "runtime/exec/process_stats.h"

#include <sys/resource.h>

namespace zoomrt {

int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return int64_t(u.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace zoomrt
