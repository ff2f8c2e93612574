// Topologies: lists of layers read from SCALE-Sim topology CSV files, or shipped with zoomrt.
//
// Two SCALE-Sim formats are accepted (the header row decides; a trailing comma is allowed):
//   conv: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//         Num Filter, Strides,[ Groups, Padding,]
//   gemm: Layer, M, N, K,            (y[M, N] = x[M, K] w[N, K]^T)
// The two optional conv columns are a zoomrt extension (SCALE-Sim reads the first eight columns
// only, so our files still load there): Groups (depthwise convs) and zero Padding. Without
// them, as in SCALE-Sim, the IFMAP is taken as already padded (pad 0) and groups = 1.
// '#' starts a comment; blank lines are skipped. Batch is 1.
// Errors: InputError "<file>:<line>: column <n> (<header>): <problem>".
#pragma once
#include <string>
#include <vector>

#include "scheduler/layer.h"

namespace zoomrt::sched {

std::vector<Layer> parse_topology_csv(const std::string& text, const std::string& origin,
                                      const OperandBits& bits = {});
std::vector<Layer> read_topology_csv(const std::string& path, const OperandBits& bits = {});

// Shipped topologies (scheduler/topologies/*.csv, embedded at build time): "alexnet",
// "vgg16", "mobilenet".
std::vector<std::string> builtin_topology_names();
// A builtin name or a path to a CSV file.
std::vector<Layer> load_topology(const std::string& name_or_path, const OperandBits& bits = {});

}  // namespace zoomrt::sched
