#!/usr/bin/env bash
# Installs the Debian 12 packages swatnn builds and tests with (skips what is already installed).
set -euo pipefail
packages=(cmake make g++ libeigen3-dev libboost-dev doctest-dev libbenchmark-dev
          libcli11-dev                # the swatnn command's command line (CLI11)
          nlohmann-json3-dev          # network JSON (network/export_json.hpp)
          clang-19 libclang-rt-19-dev libomp-19-dev  # clang-19: the ASan + UBSan pass and the fuzz harnesses
          gnuplot-nox libxml2-utils   # swatnn search / compare --plots (SVG), and their tests' XML check
          graphviz                    # swatnn search --plots: network.svg (dot -Tsvg of the DOT export)
          libopenmpi-dev openmpi-bin) # swatnn::mpi: data-parallel training, distributed sweeps (docs/distributed.md)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
