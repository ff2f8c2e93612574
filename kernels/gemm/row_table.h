// row_table<MR>(pick): a constexpr array {pick(1), ..., pick(MR)} of a micro-kernel's per-row-
// count instantiations, so an M tail of mr rows calls table[mr - 1] and costs only its own rows.
// pick receives the row count as a std::integral_constant<int, R> (usable as a template
// argument) and returns the function pointer, e.g.
//   constexpr auto kRows = row_table<6>([](auto rows) { return &gemm_rows_x16<rows>; });
// Included by per-ISA files: internal linkage (see f32_gemm_simd.h), though it only ever runs
// at compile time.
#pragma once
#include <array>
#include <type_traits>
#include <utility>

namespace zoomrt::kern {
namespace {  // NOLINT: per-ISA translation units

template <int MR, class Pick>
constexpr auto row_table(Pick pick) {
  return [pick]<int... R>(std::integer_sequence<int, R...>) {
    return std::array{pick(std::integral_constant<int, R + 1>{})...};
  }(std::make_integer_sequence<int, MR>{});
}

}  // namespace
}  // namespace zoomrt::kern
