# aarch64-linux-gnu.cmake: cross-compiles Tessera for AArch64 Linux from an x86-64
# Debian 12 host and runs the result under QEMU user mode, so `ctest` runs every test
# (unit, lang, cli) on the emulated CPU unchanged. Used by the `aarch64-qemu` preset.
#
# Compiler: clang, the project's default, with --target=aarch64-linux-gnu (through
# CMAKE_C_COMPILER_TARGET). One clang builds both architectures, so the flags, the
# warnings under -Werror and the code generator are the ones the native presets use, and
# the copy-and-patch JIT's AArch64 stencils will come from the same compiler. Debian's
# clang needs no sysroot flag: it finds Debian's cross packages by their fixed layout,
#   headers, crt1.o, libc  /usr/aarch64-linux-gnu/{include,lib}   libc6-dev-arm64-cross
#   crtbegin.o, libgcc      /usr/lib/gcc-cross/aarch64-linux-gnu/12 libgcc-12-dev-arm64-cross
#   linker                  /usr/bin/aarch64-linux-gnu-ld          binutils-aarch64-linux-gnu
# (clang -v reports "Selected GCC installation: .../gcc-cross/aarch64-linux-gnu/12").
# The sysroot is passed when compiling only (CMAKE_SYSROOT_COMPILE): without it clang
# would also search the host's /usr/local/include and /usr/include (x86-64 headers) after
# the cross headers, so a header missing from the cross sysroot would be taken silently
# from the host. Not when linking: libc.so is a linker script naming absolute paths
# (/usr/aarch64-linux-gnu/lib/libc.so.6) that ld would look for under the sysroot again.
# The GCC cross compiler (gcc-aarch64-linux-gnu) also works but is not used: it would be
# a second compiler with its own warnings and float code generation to keep in line.
#
# -ffp-contract=off is not set here: it comes from the tessera_flags target like every
# other flag, so the AArch64 build (where fused multiply-add is one instruction, fmadd)
# is held to the same determinism contract as x86-64.
#
# Emulator: qemu-aarch64 (package qemu-user) with -L pointing at the cross sysroot, so
# the dynamic loader /lib/ld-linux-aarch64.so.1 and libc.so.6 come from
# /usr/aarch64-linux-gnu. CTest prefixes it to every test whose command is an executable
# target; the cli test, run by the host's sh, receives it through a wrapper script (see
# tests/CMakeLists.txt). The code targets generic ARMv8-A (clang's default); set QEMU_CPU
# in the environment to choose the emulated core (e.g. cortex-a53, a plain ARMv8.0 one).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(TESSERA_CROSS_TRIPLE aarch64-linux-gnu)
set(TESSERA_CROSS_SYSROOT /usr/aarch64-linux-gnu CACHE PATH
  "Debian's AArch64 cross sysroot (libc6-dev-arm64-cross): headers, libraries, loader")

set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET ${TESSERA_CROSS_TRIPLE})
set(CMAKE_SYSROOT_COMPILE ${TESSERA_CROSS_SYSROOT})

# Look for libraries and headers only in the cross sysroot, for programs only on the host.
set(CMAKE_FIND_ROOT_PATH ${TESSERA_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(TESSERA_QEMU_AARCH64 qemu-aarch64)
if(NOT TESSERA_QEMU_AARCH64)
  message(FATAL_ERROR "qemu-aarch64 not found: install qemu-user (scripts/install-deps.sh does)")
endif()
if(NOT EXISTS ${TESSERA_CROSS_SYSROOT}/lib/ld-linux-aarch64.so.1)
  message(FATAL_ERROR "no AArch64 sysroot at ${TESSERA_CROSS_SYSROOT}: install "
    "libc6-dev-arm64-cross (scripts/install-deps.sh does)")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${TESSERA_QEMU_AARCH64} -L ${TESSERA_CROSS_SYSROOT})
