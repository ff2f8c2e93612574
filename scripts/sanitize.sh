#!/usr/bin/env bash
# Sanitizer builds of the tests (g++, like the normal build); any report fails.
#   scripts/sanitize.sh [asan|tsan|all]     (default all)
# asan: ASan + UBSan (-DZOOMRT_SANITIZE=ON, -fno-sanitize-recover=all) in build-asan/. By default
#       the tests of everything that reads untrusted input (CLI, weights, configs, tokenizer,
#       schedulers, images (libjpeg-turbo and libpng behind our limits), sim/topology parsers, executor, fuzz
#       regressions): building every kernel and parity test under ASan too would take the CI
#       past 45 minutes on 2 cores.
#       ASAN_ALL=1 builds and runs every test.
# tsan: ThreadSanitizer (-DZOOMRT_TSAN=ON) in build-tsan/: only the tests that run the thread
#       pool (kernels and the executors), selected by $TSAN_TESTS.
# CI (.ci/run) runs this after scripts/test.sh; timings are in docs/bad_input.md ("CI").
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
jobs=$(nproc)
TSAN_TESTS=${TSAN_TESTS:-'^(kernels_|runtime_executor_|scheduler_tiled_exec_)'}
# Build exactly the test executables a regex selects (a new matching test file joins in).
tests_matching() { ls tests/*_test.cpp | xargs -n1 basename | sed 's/\.cpp$//' | grep -E "$1"; }
mapfile -t tsan_targets < <(tests_matching "$TSAN_TESTS")
ASAN_TESTS=${ASAN_TESTS:-'^(cli_|fuzz_|base_|weights_|runtime_tokenizer_|runtime_noise_schedulers_|runtime_noise_scheduler_bounds_|runtime_zoom_image_|runtime_image_decode_|runtime_executor_|sim_config_|scheduler_topology_)'}
mapfile -t asan_targets < <(tests_matching "$ASAN_TESTS")
asan_targets+=(zoomrt)
if [ "${ASAN_ALL:-0}" = 1 ]; then asan_targets=(all); ASAN_TESTS=.; fi

# halt_on_error: the first report ends the test (so ctest sees a failure); leaks count too.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

scripts/setup.sh
configure() {  # configure DIR OPTION
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DZOOMRT_BENCH=OFF "$2" >/dev/null
}

if [ "$mode" = asan ] || [ "$mode" = all ]; then
  start=$SECONDS
  configure build-asan -DZOOMRT_SANITIZE=ON
  cmake --build build-asan -j"$jobs" --target "${asan_targets[@]}"
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -R "$ASAN_TESTS"
  echo "sanitize: asan+ubsan passed in $((SECONDS - start)) s"
fi
if [ "$mode" = tsan ] || [ "$mode" = all ]; then
  start=$SECONDS
  configure build-tsan -DZOOMRT_TSAN=ON
  cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}"
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -R "$TSAN_TESTS"
  echo "sanitize: tsan passed in $((SECONDS - start)) s"
fi
