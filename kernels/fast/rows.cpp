// Runtime choice of the row-kernel table: the highest ISA compiled in that this CPU supports and
// ZOOMRT_ISA allows, decided once.
#include "kernels/fast/rows.h"

namespace zoomrt::fast {

const RowKernels* row_kernels_for(Isa isa) {
#define X(name) \
  if (isa == Isa::name && cpu_supports(Isa::name)) return &row_kernels__##name();
  ZOOMRT_FAST_ROW_ISAS(X)
#undef X
  return nullptr;
}

const RowKernels& row_kernels() {
  static const RowKernels& best = [] {
    // avx512 CPUs run the avx2 table: these loops are memory-bound, wider vectors buy little.
    if (cpu_features().best_isa >= Isa::avx2)
      if (const RowKernels* k = row_kernels_for(Isa::avx2)) return *k;
    return row_kernels__generic();
  }();
  return best;
}

}  // namespace zoomrt::fast
