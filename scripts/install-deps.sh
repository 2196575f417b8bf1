#!/usr/bin/env bash
# Installs the Debian packages sequantlock builds and tests with, skipping
# those already present. Needs root (or sudo) on Debian or Ubuntu.
set -euo pipefail

packages=(
  cmake g++ make git pkg-config util-linux
  libgtest-dev libcli11-dev nlohmann-json3-dev
)
if [[ "${SEQUANTLOCK_WITH_BENCH:-0}" == 1 ]]; then
  packages+=(libbenchmark-dev)
fi
# clang and its runtime libraries build the libFuzzer target.
if [[ "${SEQUANTLOCK_WITH_SANITIZE:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: every Debian package is present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
  "${missing[@]}" >/dev/null
echo "install-deps: done"
