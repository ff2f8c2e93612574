// Systolic-array compute cycles, following SCALE-Sim v2's demand-matrix construction:
// every fold of an R x C array streams T operands, and the cycles of a fold are the rows of
// its (skewed) output demand matrix:
//   os: (T - 1 prefix + R outputs) rows, skewed over C columns      -> T + R + C - 2
//   ws, is: (2R - 1 prefix + T outputs) rows, skewed over C columns -> T + 2R + C - 2
// Per-fold utilisation uses the cycle count SCALE-Sim divides by: os the same T + R + C - 2;
// ws/is the operand demand matrix (R fill + R + C + T - 2 drain, skewed over C): 2R + 2C + T - 3.
#include "sim/compute.h"

#include <cmath>

#include "base/error.h"

namespace zoomrt::sim {

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

ComputeEstimate compute_estimate(const MacArray& a, MacDtype d, int64_t m, int64_t n, int64_t k) {
  ComputeEstimate e;
  if (m <= 0 || n <= 0 || k <= 0) return e;
  const int64_t R = a.rows, C = a.cols;
  int64_t sr = m, sc = n, t = k;  // os
  if (a.dataflow == "ws") {
    sr = k, sc = n, t = m;
  } else if (a.dataflow == "is") {
    sr = k, sc = m, t = n;
  }
  const bool os = a.dataflow == "os";
  const int64_t folds = ceil_div(sr, R) * ceil_div(sc, C);
  const int64_t fold_cycles = os ? t + R + C - 2 : t + 2 * R + C - 2;
  const int64_t util_cycles = os ? fold_cycles : t + 2 * R + 2 * C - 3;
  int64_t cycles = folds * fold_cycles;

  // The array's int8 rate is its native one; other dtypes scale the streaming time.
  const double rate = macs_per_cycle(a, d);
  if (!(rate > 0)) fail_input("NPU array: no {} MAC throughput (macs_per_cycle.{} is 0)",
                              mac_dtype_name(d), mac_dtype_name(d));
  if (d != MacDtype::int8)
    cycles = static_cast<int64_t>(std::ceil(cycles * (a.macs_per_cycle_int8 / rate)));
  e.cycles = cycles;
  // Averages over folds: the used rows x cols summed over the fold grid is sr x sc.
  const double pe = static_cast<double>(R) * C;
  e.mapping_efficiency = 100.0 * static_cast<double>(sr) * sc / (pe * folds);
  e.compute_util = 100.0 * static_cast<double>(sr) * sc * t / (pe * util_cycles * folds);
  return e;
}

int64_t compute_cycles(const MacArray& a, MacDtype d, int64_t m, int64_t n, int64_t k) {
  return compute_estimate(a, d, m, n, k).cycles;
}

}  // namespace zoomrt::sim
