#!/usr/bin/env bash
# install-deps.sh: installs, from Debian's packages, whatever the build and tests need
# and this machine lacks. Safe to run repeatedly; does nothing when all is present.
set -euo pipefail

# Native build and tests (clang for the presets and the stencils, gcc for the plain
# build); then the AArch64 build (clang --target=aarch64-linux-gnu with
# Debian's cross headers, libc, libgcc and linker, see cmake/aarch64-linux-gnu.cmake)
# and qemu-aarch64 to run it.
# AFL++ for the fuzz targets' AFL++ stage. Python 3 for the tests that parse what
# campaigns write (JSON, SARIF, JUnit XML) with real parsers, and PyYAML for the one that
# parses and lints the CI workflows. Chromium to open a campaign's HTML report headless.
packages=(clang gcc make cmake ninja-build libclang-rt-14-dev
  binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user afl++ python3 python3-yaml chromium)

missing=()
command -v clang >/dev/null || missing+=(clang)
command -v cmake >/dev/null || missing+=(cmake)
# gcc and make: the plain CMake build (no preset, the default compiler and generator).
command -v gcc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
command -v ninja >/dev/null || missing+=(ninja-build)
# The sanitizer runtime: try linking a tiny ASan + UBSan program.
if command -v clang >/dev/null; then
  probe=$(mktemp -d)
  echo 'int main(void){return 0;}' >"$probe/p.c"
  clang -fsanitize=address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null || missing+=(libclang-rt-14-dev)
  rm -rf "$probe"
fi
# The AArch64 build: one file that each cross package provides, and the emulator.
command -v aarch64-linux-gnu-ld >/dev/null || missing+=(binutils-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/libc.so ] || missing+=(libc6-dev-arm64-cross)
[ -e /usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a ] || missing+=(libgcc-12-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
command -v afl-clang-fast >/dev/null || missing+=(afl++)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
command -v chromium >/dev/null || missing+=(chromium)

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
