#!/usr/bin/env bash
# Creates the Python environment of tools/sweep/ (Ray for `zoomrt sweep --ray`; the
# sweep chart is drawn by python3 with Debian's matplotlib, tools/plot/). Only `--ray` needs it; building
# and testing zoomrt never do.
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
"$venv/bin/python" -m pip install --quiet "ray==2.60.0"
"$venv/bin/python" -c 'import ray; print(f"setup_venv: ray {ray.__version__}")'
