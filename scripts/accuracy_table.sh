#!/usr/bin/env bash
# Prints the full-size accuracy table of docs/kernels.md ("Accuracy"): for each --dtype, the UNet
# output's cosine and relative RMS error against an FP32 reference output, the packed weight
# bytes, peak RSS (GNU time's "Maximum resident set size", printed in decimal GB) and the load /
# run seconds zoomrt eval reports. One eval at a time (each 0.5-3 min on 2 cores).
#
#   scripts/accuracy_table.sh MODEL_DIR INPUTS REF [DTYPE...]
#
# MODEL_DIR: a diffusers directory (zoomrt make-model --config sd2-inpainting --out sd2);
# INPUTS: the UNet inputs (sample, timestep, encoder_hidden_states); REF: the outputs of
# `zoomrt eval ... --dtype f32 --output REF`. ZOOMRT (default build/tools/zoomrt) picks the binary.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
model=$1 inputs=$2 ref=$3
shift 3
dtypes=("$@")
[[ ${#dtypes[@]} -gt 0 ]] || dtypes=(f16 int8 int8-mix int4-g64 int4-mix int4a8-mix palette4 palette4-ch palette4-mix sparse24)
zoomrt=${ZOOMRT:-build/tools/zoomrt}
[[ -x $zoomrt ]] || { echo "accuracy_table.sh: $zoomrt is not built (ninja -C build tools/zoomrt)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "accuracy_table.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| --dtype | cosine | rel. RMS | packed weights | peak RSS | load s | run s |"
echo "|---|---|---|---|---|---|---|"
for d in "${dtypes[@]}"; do
  log=$tmp/eval.log
  if ! /usr/bin/time -v "$zoomrt" eval --model "$model" --component unet --inputs "$inputs" --dtype "$d" \
      --compare "$ref" --output "$tmp/out.safetensors" >"$log" 2>&1; then
    echo "accuracy_table.sh: --dtype $d failed:" >&2
    tail -3 "$log" >&2
    exit 1
  fi
  # "unet: D weights 622.8 MiB, load 16.09 s, run 11.18 s, ..." and "noise_pred: cosine C  max_abs M  rel_rms R"
  weights=$(grep -o 'weights [0-9.]* [KMG]iB' "$log" | head -1 | cut -d' ' -f2-)
  load=$(grep -o 'load [0-9.]* s' "$log" | head -1 | cut -d' ' -f2)
  run=$(grep -o 'run [0-9.]* s' "$log" | head -1 | cut -d' ' -f2)
  cosine=$(grep -o 'cosine [0-9.]*' "$log" | head -1 | cut -d' ' -f2)
  rel=$(grep -o 'rel_rms [0-9.]*' "$log" | head -1 | cut -d' ' -f2)
  rss_kib=$(grep 'Maximum resident set size' "$log" | grep -o '[0-9]*$')
  rss=$(awk -v k="$rss_kib" 'BEGIN { printf "%.3f GB", k * 1024 / 1e9 }')
  echo "| $d | $cosine | $rel | $weights | $rss | $load | $run |"
done
