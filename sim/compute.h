// Compute cycles of a GEMM-shaped tile on a systolic MAC array, following SCALE-Sim v2's
// mapping (no memory stalls). A conv maps to a GEMM as SCALE-Sim does it:
//   m = output pixels (P x Q x N), n = filters (K), k = window (R x S x C).
// Spatial/temporal dims by dataflow (Sr rows mapped on array rows, Sc on array columns, T streamed):
//   os: Sr = m, Sc = n, T = k;   ws: Sr = k, Sc = n, T = m;   is: Sr = k, Sc = m, T = n.
// Folds: ceil(Sr / rows) x ceil(Sc / cols); each fold costs the fill + stream + drain of the
// array (see compute.cpp for the per-dataflow formula and docs/sim.md for the derivation);
// cross-checked against SCALE-Sim's COMPUTE_REPORT.csv in tests/sim_compute_test.cpp.
// The dtype scales the result by macs_per_cycle(int8)/macs_per_cycle(dtype) relative to the
// array's native int8 rate (e.g. an array with 2x int4 throughput takes half the cycles).
#pragma once
#include <cstdint>

#include "sim/npu_config.h"

namespace zoomrt::sim {

struct ComputeEstimate {
  int64_t cycles = 0;             // compute cycles (SCALE-Sim "Total Cycles" - "Stall Cycles")
  double mapping_efficiency = 0;  // % of the array occupied by mapped operands, averaged over folds
  double compute_util = 0;        // % of PE-cycles doing MACs: m n k / (rows cols cycles) x 100
};

// For the array's own dataflow.
ComputeEstimate compute_estimate(const MacArray& a, MacDtype d, int64_t m, int64_t n, int64_t k);
int64_t compute_cycles(const MacArray& a, MacDtype d, int64_t m, int64_t n, int64_t k);

}  // namespace zoomrt::sim
