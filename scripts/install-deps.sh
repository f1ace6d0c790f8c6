#!/usr/bin/env bash
# install-deps.sh: installs, from Debian's packages, whatever the build and tests need
# and this machine lacks. Safe to run repeatedly; does nothing when all is present.
set -euo pipefail

packages=(clang cmake ninja-build libclang-rt-14-dev)

missing=()
command -v clang >/dev/null || missing+=(clang)
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
# The sanitizer runtime: try linking a tiny ASan + UBSan program.
if command -v clang >/dev/null; then
  probe=$(mktemp -d)
  echo 'int main(void){return 0;}' >"$probe/p.c"
  clang -fsanitize=address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null || missing+=(libclang-rt-14-dev)
  rm -rf "$probe"
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${packages[*]} (missing: ${missing[*]})"
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
