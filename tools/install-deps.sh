#!/usr/bin/env bash
# Install the Debian 12 packages the build, tests and demo need, only when some are missing.
# Run as root (or with sudo available). Prints what it installs.
set -euo pipefail
pkgs=(g++ cmake ninja-build meson pkg-config python3 curl
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      doctest-dev libcurl4-openssl-dev libssl-dev zlib1g-dev)
pkgs+=("$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
