#!/usr/bin/env bash
# Installs what zoomrt needs to build, test and benchmark, from Debian packages only.
# Safe to rerun: it installs only what is missing.
#   scripts/setup.sh              the packages below
#   scripts/setup.sh PACKAGE...   only these (scripts/cross_check.sh: the cross toolchain)
set -euo pipefail
pkgs=(cmake ninja-build g++ libxsimd-dev xtl-dev libfmt-dev catch2 nlohmann-json3-dev
      libcli11-dev libjpeg62-turbo-dev libpng-dev libopenblas-dev libdnnl-dev ffmpeg
      python3-matplotlib  # the --plot charts (tools/plot/)
      clang libclang-rt-14-dev)  # clang + libFuzzer: scripts/fuzz.sh
[ $# -eq 0 ] || pkgs=("$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
