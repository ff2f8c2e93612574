// 1-D k-means weight sharing (Deep Compression, Han et al. 2016): the codebook of the palette
// formats of weights/quantized.h. One call clusters one set of weights (a whole layer, or one
// output channel for the per-channel format).
//
// The algorithm is Lloyd's on sorted values: in one dimension each cluster is a contiguous run
// of the sorted weights between the midpoints of neighbouring centroids, so one Lloyd step is
// 2^bits - 1 binary searches plus range sums from (block) prefix sums, independent of the count
// once the values are sorted (a radix sort: O(count)). Initialisation is at the quantiles of
// the weights' density to the power 1/3 (centroid c where that cumulative mass reaches
// (c + 1/2) / 2^bits, from a histogram): the point density of the MSE-optimal quantiser, which on
// Gaussian-like weights starts close to the Lloyd-Max levels and converges in far fewer steps
// than a linear spacing between min and max. Deterministic: no randomness, no threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace zoomrt {

struct Palette {
  std::vector<float> codebook;  // 2^bits centroids, ascending (non-decreasing)
  std::vector<uint8_t> index;   // one per weight, in the input's order
};

// Clusters w[0 .. count) into 2^bits centroids (bits 1..8): quantile initialisation (or `init`,
// 2^bits ascending values, when given), Lloyd steps until no weight changes cluster (at most
// `max_iters` steps), then every weight gets the index of its nearest centroid (a tie goes to
// the lower one). A centroid whose cluster empties keeps its value. The weights must be finite.
// Lloyd steps never raise the squared error, so the result is never worse on w than `init`.
Palette palette_kmeans(const float* w, size_t count, int bits, int max_iters = 500, const float* init = nullptr);

// The index of the centroid nearest to x in an ascending codebook of `entries` (a power of two):
// the first c with x - codebook[c] <= codebook[c + 1] - x, else the last. Exactly the cluster
// palette_kmeans gives x.
int palette_nearest(const float* codebook, int entries, float x);

}  // namespace zoomrt
