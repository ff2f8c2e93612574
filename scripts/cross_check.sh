#!/usr/bin/env bash
# Cross check for 64-bit ARM: builds the kernels library (NEON micro-kernels included) and the
# kernels tests with Debian's g++-aarch64-linux-gnu (toolchain cmake/aarch64-linux-gnu.cmake,
# kernels-only project cmake/cross/) in build-aarch64/, then runs the tests under qemu-aarch64
# through ctest.
#   scripts/cross_check.sh            every tests/kernels_*_test.cpp
#   scripts/cross_check.sh NAME...    only these tests, e.g. kernels_gemm_test kernels_conv_test
# CROSS_BUILD_DIR overrides the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cross compiler and qemu, plus the header-only libraries the kernels and tests include.
scripts/setup.sh cmake ninja-build g++-aarch64-linux-gnu qemu-user libxsimd-dev xtl-dev libfmt-dev catch2

build=${CROSS_BUILD_DIR:-build-aarch64}
tests=$(IFS=';'; echo "$*")  # empty: cmake/cross builds every kernels test
start=$SECONDS
cmake -S cmake/cross -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake" -DZOOMRT_CROSS_TESTS="$tests" >/dev/null
cmake --build "$build" -j"$(nproc)"
built=$SECONDS
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
echo "cross_check: aarch64 build $((built - start)) s, tests under qemu $((SECONDS - built)) s"
