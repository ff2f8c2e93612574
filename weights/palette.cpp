#include "weights/palette.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

namespace zoomrt {

namespace {

// Order-preserving map of a finite float to an unsigned key (negative values reversed below the
// positive ones), so an integer radix sort sorts the floats.
inline uint32_t float_key(float f) {
  const auto u = std::bit_cast<uint32_t>(f);
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}
inline float key_float(uint32_t k) {
  return std::bit_cast<float>(k & 0x80000000u ? k & 0x7fffffffu : ~k);
}

// The weights sorted ascending (as keys: half the memory of a key + value pair), with prefix sums
// every kBlock values so any range sum costs at most 2 * kBlock additions: a full prefix array
// would take 8 bytes per weight (118 MB for a 1280x1280x3x3 layer).
class SortedWeights {
 public:
  SortedWeights(const float* w, size_t count) : keys_(count) {
    for (size_t i = 0; i < count; ++i) keys_[i] = float_key(w[i]);
    radix_sort();
    block_sum_.resize(count / kBlock + 1);
    double s = 0;
    for (size_t i = 0; i < count; ++i) {
      if (i % kBlock == 0) block_sum_[i / kBlock] = s;
      s += value(i);
    }
    if (count % kBlock == 0) block_sum_[count / kBlock] = s;
  }
  size_t size() const { return keys_.size(); }
  float value(size_t i) const { return key_float(keys_[i]); }
  // Sum of the sorted values [lo, hi).
  double range_sum(size_t lo, size_t hi) const { return prefix(hi) - prefix(lo); }
  // The first rank in [from, size) whose value is > x.
  size_t first_above(size_t from, float x) const {
    size_t lo = from, len = size() - from;
    while (len > 0) {
      const size_t half = len / 2;
      if (value(lo + half) <= x)
        lo += half + 1, len -= half + 1;
      else
        len = half;
    }
    return lo;
  }
  // The first rank in [from, size) whose value is >= x.
  size_t first_at_least(size_t from, float x) const {
    size_t lo = from, len = size() - from;
    while (len > 0) {
      const size_t half = len / 2;
      if (value(lo + half) < x)
        lo += half + 1, len -= half + 1;
      else
        len = half;
    }
    return lo;
  }

 private:
  static constexpr size_t kBlock = 64;
  double prefix(size_t i) const {
    double s = block_sum_[i / kBlock];
    for (size_t j = i / kBlock * kBlock; j < i; ++j) s += value(j);
    return s;
  }
  // LSD radix sort, 8 bits per pass; a pass whose digit is the same for every key is skipped
  // (Gaussian weights share most of the sign and exponent byte).
  void radix_sort() {
    const size_t n = keys_.size();
    if (n < 256) return std::sort(keys_.begin(), keys_.end());
    std::array<std::array<size_t, 256>, 4> count{};
    for (uint32_t k : keys_)
      for (int p = 0; p < 4; ++p) ++count[size_t(p)][k >> (8 * p) & 255];
    std::vector<uint32_t> tmp(n);
    for (int p = 0; p < 4; ++p) {
      std::array<size_t, 256>& c = count[size_t(p)];
      if (c[keys_[0] >> (8 * p) & 255] == n) continue;
      size_t at = 0;
      for (size_t& x : c) at += x, x = at - x;  // exclusive prefix: first slot of each digit
      for (uint32_t k : keys_) tmp[c[k >> (8 * p) & 255]++] = k;
      keys_.swap(tmp);
    }
  }
  std::vector<uint32_t> keys_;
  std::vector<double> block_sum_;  // [i]: sum of values [0, i * kBlock)
};

// Starting centroids at the quantiles of the weights' density to the power 1/3, estimated by a
// histogram over [min, max]: the point density of the MSE-optimal quantiler at high resolution
// (Panter-Dite), so Lloyd starts close to its optimum. Plain quantiles (density^1) put too few
// levels in the tails: at 8 bits Lloyd then needs thousands of steps.
void initial_codebook(const SortedWeights& s, std::vector<float>& codebook) {
  const size_t n = s.size(), kc = codebook.size(), bins = std::min<size_t>(n, 1024);
  const double lo = s.value(0), hi = s.value(n - 1), width = (hi - lo) / double(bins);
  if (!(width > 0)) return std::fill(codebook.begin(), codebook.end(), float(lo));
  std::vector<double> mass(bins);  // cumulative density^(1/3) at the bins' upper edges
  size_t at = 0;
  for (size_t b = 0; b < bins; ++b) {
    const size_t end = b + 1 == bins ? n : s.first_at_least(at, float(lo + width * double(b + 1)));
    mass[b] = (b ? mass[b - 1] : 0.0) + std::cbrt(double(end - at));
    at = end;
  }
  size_t b = 0;
  for (size_t c = 0; c < kc; ++c) {
    const double target = mass[bins - 1] * (double(c) + 0.5) / double(kc);
    while (mass[b] < target) ++b;
    const double below = b ? mass[b - 1] : 0.0;
    codebook[c] = float(lo + width * (double(b) + (target - below) / (mass[b] - below)));
  }
}

// The largest float x with x - a <= b - x (a <= b, finite): every weight up to it is nearer to a
// than to b or tied (as palette_nearest decides), every weight above it nearer to b. The
// predicate is monotone in x (rounded subtraction is), true at a and false at b, so a binary
// search over the floats between them (their order-preserving keys) finds it in at most 32
// steps, whatever the gap (stepping from the midpoint one float at a time took ~8e8 steps for
// a = -0.02, b = 0.02, where the tie region spans half an ulp of |a|). The weights are then
// split by comparisons alone.
float nearer_threshold(float a, float b) {
  if (!(a < b)) return a;
  const auto nearer_a = [&](uint32_t key) { return key_float(key) - a <= b - key_float(key); };
  uint32_t lo = float_key(a), hi = float_key(b);  // nearer_a(lo), !nearer_a(hi)
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    (nearer_a(mid) ? lo : hi) = mid;
  }
  return key_float(lo);
}

// thresholds[c] = nearer_threshold(codebook[c], codebook[c + 1]), the last +infinity: the
// cluster of x is the first c with x <= thresholds[c].
std::vector<float> cluster_thresholds(const std::vector<float>& codebook) {
  std::vector<float> t(codebook.size(), std::numeric_limits<float>::infinity());
  for (size_t c = 0; c + 1 < codebook.size(); ++c)
    t[c] = nearer_threshold(codebook[c], codebook[c + 1]);
  return t;
}

}  // namespace

int palette_nearest(const float* codebook, int entries, float x) {
  // Binary search for the first c where x is not nearer to codebook[c + 1] (the last entry
  // counts as such); the predicate is monotone in c for an ascending codebook.
  int lo = 0;
  for (int len = entries; len > 1;) {
    const int half = len / 2, c = lo + half - 1;
    const bool here_or_below = x - codebook[c] <= codebook[c + 1] - x;
    lo = here_or_below ? lo : lo + half;
    len = here_or_below ? half : len - half;
  }
  return lo;
}

Palette palette_kmeans(const float* w, size_t count, int bits, int max_iters, const float* init) {
  assert(bits >= 1 && bits <= 8);
  const size_t kc = size_t(1) << bits;
  Palette p;
  p.codebook.assign(kc, 0.0f);
  p.index.assign(count, 0);
  if (count == 0) return p;
  const SortedWeights s(w, count);
  if (init)
    p.codebook.assign(init, init + kc);
  else
    initial_codebook(s, p.codebook);
  // Cluster c is the sorted run [bound[c], bound[c + 1]).
  std::vector<size_t> bound(kc + 1, 0), next(kc + 1, 0);
  bound[kc] = next[kc] = count;
  for (int it = 0; it < max_iters; ++it) {
    const std::vector<float> t = cluster_thresholds(p.codebook);
    for (size_t c = 1; c < kc; ++c) next[c] = s.first_above(next[c - 1], t[c - 1]);
    if (it > 0 && next == bound) break;  // no weight changed cluster: the centroids are its means
    bound = next;
    for (size_t c = 0; c < kc; ++c)
      if (const size_t n = bound[c + 1] - bound[c])
        p.codebook[c] = float(s.range_sum(bound[c], bound[c + 1]) / double(n));
    // A mean lies within its run, and the runs are ordered: the codebook stays ascending.
  }
  // Every weight's cluster: a branch-free binary search over the thresholds (the same split as
  // palette_nearest, without its subtractions).
  const std::vector<float> t = cluster_thresholds(p.codebook);
  for (size_t i = 0; i < count; ++i) {
    size_t lo = 0;
    for (size_t half = kc / 2; half > 0; half /= 2) lo += t[lo + half - 1] < w[i] ? half : 0;
    p.index[i] = uint8_t(lo);
  }
  return p;
}

}  // namespace zoomrt
