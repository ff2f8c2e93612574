// Checked conversion of numbers read from files and options: every integer that becomes an
// index, a loop bound or an allocation size passes through here before use, so a value that
// does not fit the type or the range the code needs is an InputError naming where it came
// from ("<file>: key 'steps_offset' is 99999, expected 0..999") instead of a silent
// truncation, a wrap or an out-of-bounds read.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "base/error.h"

namespace zoomrt {

// `v` as an int in [lo, hi]; `where` names the file and key or the option.
inline int checked_int(int64_t v, int64_t lo, int64_t hi, std::string_view where) {
  static_assert(sizeof(int) == 4);
  if (lo < std::numeric_limits<int>::min()) lo = std::numeric_limits<int>::min();
  if (hi > std::numeric_limits<int>::max()) hi = std::numeric_limits<int>::max();
  if (v < lo || v > hi) fail_input("{} is {}, expected {}..{}", where, v, lo, hi);
  return int(v);
}

// `v` in [lo, hi] as int64.
inline int64_t checked_range(int64_t v, int64_t lo, int64_t hi, std::string_view where) {
  if (v < lo || v > hi) fail_input("{} is {}, expected {}..{}", where, v, lo, hi);
  return v;
}

// A finite double in [lo, hi].
inline double checked_real(double v, double lo, double hi, std::string_view where) {
  if (!std::isfinite(v) || v < lo || v > hi) fail_input("{} is {}, expected {}..{}", where, v, lo, hi);
  return v;
}

}  // namespace zoomrt
