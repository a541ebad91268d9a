#!/usr/bin/env bash
# Installs the Python side's system packages (Debian 12): PyTorch, ONNX, NumPy, regex, pytest, black and pyflakes
# (npm run lint), and the OpenMP OpenBLAS without which torch falls back to a reference BLAS about 50x slower.
set -euo pipefail
packages=(python3-torch python3-onnx python3-numpy python3-regex python3-pytest black python3-pyflakes libopenblas0-openmp)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
/usr/bin/python3 -c "import torch, onnx, numpy, regex, pytest, black, pyflakes" 
