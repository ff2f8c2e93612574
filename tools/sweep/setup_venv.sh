#!/usr/bin/env bash
# Creates the Python environment of tools/sweep/ (Ray for `zoomrt sweep --ray`, matplotlib for
# the chart). Only those need it; building and testing zoomrt never do.
#
#   tools/sweep/setup_venv.sh                           # venv at ../sweepenv (beside the checkout)
#   ZOOMRT_SWEEPENV=/opt/sweepenv tools/sweep/setup_venv.sh
#
# The venv lives outside the tracked tree (zoomrt finds it through ZOOMRT_SWEEPENV or at
# ../sweepenv). Versions are pinned to those the sweep was tested with (Python 3.11). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${ZOOMRT_SWEEPENV:-../sweepenv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "setup_venv: creating $venv"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "ray==2.60.0" "matplotlib==3.11.2"
"$venv/bin/python" -c 'import ray, matplotlib; print(f"setup_venv: ray {ray.__version__}, matplotlib {matplotlib.__version__}")'
