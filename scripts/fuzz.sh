#!/usr/bin/env bash
# libFuzzer harnesses (tests/fuzz/): builds them with clang in build-fuzz/ and runs them.
#   scripts/fuzz.sh --ci            every target for FUZZ_SECONDS seconds each (default 30); CI
#   scripts/fuzz.sh NAME [SECONDS]  one target, default 600 s: the long run
#   scripts/fuzz.sh --list          the target names (from tests/fuzz/fuzz_targets.h)
# Each run starts from the committed seeds (tests/fuzz/corpus/<name>/) plus what earlier runs
# here found (build-fuzz/corpus/<name>/), prints libFuzzer's -print_final_stats figures and a
# summary line (runs, cov, corpus size). A crash leaves its input in build-fuzz/crashes/<name>/
# and fails the script: fix the bug, then commit the input to tests/fuzz/regressions/<name>/
# (tests/fuzz_regressions_test.cpp replays it in every normal test run). The -malloc_limit_mb
# and -timeout guards below are the allocation and trip-count guard of every harness, the
# option harnesses included (zoom_options: the zoom command's numbers; scheduler_steps:
# scheduler_config.json x steps x strength through every scheduler's loop).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=$(sed -n 's/^  X(\([a-z_0-9]*\)).*/\1/p' tests/fuzz/fuzz_targets.h)
usage() { sed -n '2,5p' "$0" | sed 's/^# //'; exit 2; }

case "${1:-}" in
  --list) echo "$targets"; exit 0 ;;
  # FUZZ_CI_SKIP="a b" leaves those harnesses out of --ci (none by default). `image` runs
  # libjpeg-turbo and libpng behind our limits (runtime/media/decoders.h); their SIMD/assembly
  # code is not instrumented, our wrappers and their C code built into Debian's libraries are
  # exercised as they ship.
  --ci) run=$(grep -vxF -f <(tr ' ' '\n' <<<"${FUZZ_CI_SKIP-}" | sed '/^$/d') <<<"$targets" || true)
        seconds=${FUZZ_SECONDS:-30} ;;
  ""|-h|--help) usage ;;
  *) grep -qx -- "$1" <<<"$targets" || { echo "fuzz.sh: unknown target '$1' (--list shows them)" >&2; exit 2; }
     run=$1; seconds=${2:-600} ;;
esac

scripts/setup.sh
CXX=clang++ cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'zoomrt-fuzz-%s ' $run)

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The harnesses' scratch files go to a private TMPDIR, emptied before and after: a fuzzer that
# ends by timeout or crash skips its own cleanup, and /tmp must not collect its files.
export TMPDIR="$PWD/build-fuzz/tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
summary=()
failed=0
for t in $run; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  log="build-fuzz/$t.log"
  echo "== fuzz $t for ${seconds}s"
  # -malloc_limit_mb: an allocation the input can blow up past this is a bug (issue 5: no
  # unbounded allocation). -timeout: one input taking longer is a hang.
  status=0
  "build-fuzz/zoomrt-fuzz-$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
      -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=1024 -max_len=65536 -artifact_prefix="build-fuzz/crashes/$t/" \
      >"$log" 2>&1 || status=$?
  grep -E '^stat::|DONE|ERROR|SUMMARY' "$log" | tail -n 20 || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
  corpus=$(find "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=1
    tail -n 60 "$log"
    echo "fuzz $t: FAILED; input saved in build-fuzz/crashes/$t/" >&2
  fi
  summary+=("$(printf '%-18s %6ss runs %-10s cov %-6s corpus %-5s %s' "$t" "$seconds" "${runs:-?}" "${cov:-?}" \
      "$corpus" "$([ $status -eq 0 ] && echo ok || echo FAILED)")")
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $failed
