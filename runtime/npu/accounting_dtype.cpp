// The simulated weight formats (ZOOMRT_SIM_DTYPES): names, MAC types and stored bits per weight.
#include <cmath>

#include "runtime/npu/accounting.h"
#include "scheduler/compare.h"

namespace zoomrt {

namespace {

// One row of ZOOMRT_SIM_DTYPES.
struct SimDtypeInfo {
  const char* name;
  sim::MacDtype mac;
  int value_bits, index_bits, scale_group;
  bool sparse24;
  const char* help;
};
constexpr SimDtypeInfo kSimDtypeInfo[] = {
#define X(e, name, mac, vbits, ibits, group, sparse, help) {name, sim::MacDtype::mac, vbits, ibits, group, sparse, help},
    ZOOMRT_SIM_DTYPES(X)
#undef X
};
const SimDtypeInfo& info(SimDtype d) { return kSimDtypeInfo[size_t(d)]; }

}  // namespace

const char* sim_dtype_name(SimDtype d) { return kSimDtypes.name(d).data(); }
const char* sim_dtype_help(SimDtype d) { return kSimDtypes.help(d).data(); }
sim::MacDtype sim_mac_dtype(SimDtype d) { return info(d).mac; }
bool sim_dtype_sparse24(SimDtype d) { return info(d).sparse24; }
std::vector<SimDtype> all_sim_dtypes() { return kSimDtypes.values(); }
SimDtype sim_dtype_from_name(const std::string& name, std::string_view what) { return kSimDtypes.parse(name, what); }

sched::OperandBits sim_operand_bits(SimDtype d) {
  sched::OperandBits b = sched::operand_bits_for(sim_mac_dtype(d));  // activation widths
  b.weight = sim_weight_bits(d, 0);
  return b;
}

double sim_weight_bits(SimDtype d, int64_t weights) {
  const SimDtypeInfo& f = info(d);
  double bits = f.index_bits > 0 ? f.index_bits : f.value_bits;
  if (f.sparse24) bits = (bits + 2) / 2;  // half the values kept, 2-bit position each
  if (f.scale_group > 0) bits += 16.0 / f.scale_group;
  if (f.index_bits > 0 && weights > 0)
    bits += double(int64_t(1) << f.index_bits) * f.value_bits / double(weights);  // the codebook
  return std::ceil(bits * 1000 - 1e-6) / 1000;
}

int64_t layer_weight_count(const sched::Layer& l) {
  switch (l.kind) {
    case sched::LayerKind::conv: return l.conv.k * (l.conv.c / l.conv.groups) * l.conv.r * l.conv.s;
    case sched::LayerKind::gemm: return l.gemm.n * l.gemm.k;
    case sched::LayerKind::attention: return 0;
  }
  return 0;
}

void apply_weight_format(sched::Layer& l, SimDtype d) {
  if (const int64_t w = layer_weight_count(l); w > 0) l.bits.weight = sim_weight_bits(d, w);
}

}  // namespace zoomrt
