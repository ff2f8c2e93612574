#!/usr/bin/env bash
# Recreates the Python reference environment the scripts in tools/reference/ run in.
# Only fixtures need it; building and testing zoomrt never do.
#
#   tools/reference/setup_venv.sh                      # venv at ../refenv (beside the checkout)
#   ZOOMRT_REFENV=/opt/refenv tools/reference/setup_venv.sh
#   ZOOMRT_TORCH_INDEX=https://download.pytorch.org/whl/cpu tools/reference/setup_venv.sh   # CPU-only torch
#
# The venv lives outside the tracked tree. Versions are pinned to those the committed fixtures were
# made with (Python 3.11); other versions may give other bytes. Safe to rerun. Nothing is kept in
# pip's cache (--no-cache-dir): the wheels are large and the disk is shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${ZOOMRT_REFENV:-../refenv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "setup_venv: creating $venv"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip

torch_args=()
if [ -n "${ZOOMRT_TORCH_INDEX:-}" ]; then
  torch_args=(--index-url "$ZOOMRT_TORCH_INDEX" --extra-index-url https://pypi.org/simple)
fi
"$venv/bin/python" -m pip install --quiet --no-cache-dir "${torch_args[@]}" \
  torch==2.15.0 \
  diffusers==0.42.1 \
  transformers==5.23.0 \
  safetensors==0.8.0 \
  numpy==2.4.6 \
  open_clip_torch==3.3.0 \
  ftfy==6.3.1 \
  regex==2026.11.15 \
  pillow==13.0.0 \
  scalesim==3.0.0 \
  DeepCache==0.1.1

"$venv/bin/python" - <<'PY'
import diffusers, safetensors, torch, transformers
print(f"setup_venv: torch {torch.__version__}, diffusers {diffusers.__version__}, "
      f"transformers {transformers.__version__}, safetensors {safetensors.__version__}")
PY
