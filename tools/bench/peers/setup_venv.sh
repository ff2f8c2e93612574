#!/usr/bin/env bash
# Creates the Python environment the peer harness (tools/bench/peers/run.py) runs the other
# engines in: PyTorch + diffusers, OpenVINO, stable-diffusion.cpp (stable-diffusion-cpp-python,
# built from source, CPU only). Only the harness needs it; building and testing zoomrt never do,
# and the harness runs without it (every peer then skipped, zoomrt alone measured).
#
#   tools/bench/peers/setup_venv.sh                          # venv at ../peersenv (beside the checkout)
#   ZOOMRT_PEERSENV=/opt/peersenv tools/bench/peers/setup_venv.sh
#   ZOOMRT_TORCH_INDEX=https://download.pytorch.org/whl/cpu tools/bench/peers/setup_venv.sh  # CPU-only torch
#
# Without ZOOMRT_TORCH_INDEX the script tries the CPU wheel index above and falls back to plain
# PyPI (whose Linux torch wheel pulls the CUDA runtime libraries: ~5 GB more disk, unused here).
# stable-diffusion-cpp-python compiles stable-diffusion.cpp + ggml (CPU backend) with CMake:
# ~20-40 min on 2 cores; it runs niced with CMAKE_BUILD_PARALLEL_LEVEL (default 2).
# Versions are pinned (Python 3.11); nothing is cached (--no-cache-dir). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv="${ZOOMRT_PEERSENV:-../peersenv}"
python="${PYTHON:-python3}"
pip=(nice -n 19 "$venv/bin/python" -m pip install --quiet --no-cache-dir)

if [ ! -x "$venv/bin/python" ]; then
  echo "setup_venv: creating $venv"
  "$python" -m venv "$venv"
fi
"${pip[@]}" --upgrade pip

cpu_index="https://download.pytorch.org/whl/cpu"
torch_args=()
if [ -n "${ZOOMRT_TORCH_INDEX:-}" ]; then
  torch_args=(--index-url "$ZOOMRT_TORCH_INDEX" --extra-index-url https://pypi.org/simple)
elif "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$cpu_index/', timeout=10)" 2>/dev/null; then
  torch_args=(--index-url "$cpu_index" --extra-index-url https://pypi.org/simple)
else
  echo "setup_venv: $cpu_index not reachable; torch from plain PyPI (with its CUDA libraries)"
fi
"${pip[@]}" "${torch_args[@]}" torch==2.15.0

"${pip[@]}" \
  diffusers==0.42.1 \
  transformers==5.25.0 \
  accelerate==1.16.0 \
  safetensors==0.8.0 \
  numpy==2.4.6 \
  openvino==2026.4.1

# stable-diffusion.cpp: CPU backend only (no CUDA/Vulkan/Metal), native ISA of this machine.
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" CMAKE_ARGS="${CMAKE_ARGS:--DSD_CUDA=OFF -DGGML_NATIVE=ON}" \
  "${pip[@]}" stable-diffusion-cpp-python==0.4.7

"$venv/bin/python" - <<'PY'
import diffusers, openvino, stable_diffusion_cpp, torch, transformers
print(f"setup_venv: torch {torch.__version__}, diffusers {diffusers.__version__}, "
      f"transformers {transformers.__version__}, openvino {openvino.__version__}, "
      f"stable-diffusion-cpp-python {getattr(stable_diffusion_cpp, '__version__', '?')}")
PY
