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

#include "weights/error.h"

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

// A double that will be converted to an integer (ArrayWidth, a CSV column written 1e3): it must
// be integral and within [lo, hi], so the conversion neither truncates nor overflows.
inline int64_t checked_integral(double v, int64_t lo, int64_t hi, std::string_view where) {
  if (!std::isfinite(v) || v != std::floor(v) || v < double(lo) || v > double(hi))
    fail_input("{} is {}, expected an integer in {}..{}", where, v, lo, hi);
  return int64_t(v);
}

// a * b, or InputError naming `where` when the product exceeds `limit` (or int64).
inline int64_t checked_product(int64_t a, int64_t b, int64_t limit, std::string_view where) {
  int64_t p = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &p) || p > limit)
    fail_input("{}: {} x {} is above the limit of {}", where, a, b, limit);
  return p;
}

}  // namespace zoomrt
