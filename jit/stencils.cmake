# stencils.cmake: the stencils of both architectures, on every build whatever the host
# (issue 6, item 1): jit/template.c compiled by clang for x86_64-linux-gnu and
# aarch64-linux-gnu, then cut into stencil sets by tessera-extract.
# The stencils need clang whatever compiles the rest (musttail, __builtin_assume, and one
# compiler that targets both architectures). Found here, so a plain `cmake -S . -B b` with
# gcc as the C compiler works too.
# Plain clang, never the C compiler itself: that may be a wrapper that instruments what it
# compiles (afl-clang-fast), and stencils must stay exactly the template's code.
find_program(TESSERA_STENCIL_CC NAMES clang clang-16 clang-15 clang-14
  DOC "clang, which compiles the JIT's stencils")
if(NOT TESSERA_STENCIL_CC)
  message(FATAL_ERROR "Tessera needs clang to build the JIT's stencils, whatever C compiler "
    "builds the rest, and none was found. On Debian or Ubuntu: apt-get install clang "
    "(scripts/install-deps.sh installs everything the build needs). To use a clang "
    "elsewhere: -DTESSERA_STENCIL_CC=/path/to/clang.")
endif()

# The stencil compiler flags: a fixed list, each for a reason.
set(stencil_flags
  -O2                               # fast code; tail calls become plain jumps
  -DNDEBUG                          # no assertions: they would call into stdio from stencils
  -DTESSERA_STENCIL                 # headers pick the stencil variants (heap.h: the release call)
  -std=gnu11                        # as the VM: musttail, computed types, statement expressions
  -ffunction-sections               # each stencil in its own section: the extractor cuts there
  -fno-asynchronous-unwind-tables   # no .eh_frame: nothing to unwind through JIT code
  -fno-builtin                      # library calls stay calls the emitter can resolve by name
  -fno-math-errno                   # __builtin_sqrt is the instruction: nothing reads errno
  -fno-jump-tables                  # a switch table would be data pointing into one stencil
  -fno-stack-protector              # no canary loaded from thread-local storage
  -fno-pic                          # holes become absolute immediates (movabs, movz/movk)
  -ffp-contract=off                 # the VM's float rule: no fused multiply-add
  -Wno-unused-parameter             # the uop signature is uniform; not every uop reads all
  -I${PROJECT_SOURCE_DIR}/vm -I${CMAKE_CURRENT_SOURCE_DIR})
set(stencil_flags_x86_64
  --target=x86_64-linux-gnu
  -mcmodel=medium)                  # code within 2 GiB: calls and jumps are rel32 (PLT32), in reach inside the JIT arena
set(stencil_flags_aarch64
  --target=aarch64-linux-gnu
  -mcmodel=large                    # addresses built with movz/movk (MOVW_UABS_G0..G3)
  -mno-outline-atomics)             # no calls to libgcc's atomics helpers

# The extractor runs on the build machine. A native build uses its own tessera-extract;
# a cross build compiles one for the host with the stencil compiler.
if(CMAKE_CROSSCOMPILING)
  set(extract_host ${CMAKE_CURRENT_BINARY_DIR}/tessera-extract-host)
  add_custom_command(OUTPUT ${extract_host}
    COMMAND ${TESSERA_STENCIL_CC} -O1 -std=gnu11 -I${PROJECT_SOURCE_DIR}/vm -I${CMAKE_CURRENT_SOURCE_DIR}
            -I${CMAKE_CURRENT_SOURCE_DIR}/host
            ${CMAKE_CURRENT_SOURCE_DIR}/host/extract_main.c ${CMAKE_CURRENT_SOURCE_DIR}/host/extract.c
            ${CMAKE_CURRENT_SOURCE_DIR}/reloc.c
            ${PROJECT_SOURCE_DIR}/vm/buf.c -o ${extract_host}
    DEPENDS host/extract_main.c host/extract.c reloc.c ${PROJECT_SOURCE_DIR}/vm/buf.c
    COMMENT "Building tessera-extract for the build machine")
  set(extract_command ${extract_host})
  set(extract_depends ${extract_host})
else()
  set(extract_command $<TARGET_FILE:tessera-extract>)
  set(extract_depends tessera-extract)
endif()

file(GLOB stencil_inputs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/vm/*.h ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
foreach(arch x86_64 aarch64)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/stencils_${arch}.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${TESSERA_STENCIL_CC} ${stencil_flags_${arch}} ${stencil_flags}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/template.c -o ${obj}
    DEPENDS template.c ${stencil_inputs}
    COMMENT "Compiling the ${arch} stencils")
  add_custom_command(
    OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/jit_stencils_${arch}.h ${CMAKE_CURRENT_BINARY_DIR}/jit_symbols_${arch}.c
    COMMAND ${extract_command} ${obj} stencils_${arch} ${CMAKE_CURRENT_BINARY_DIR}/jit_stencils_${arch}.h
            ${CMAKE_CURRENT_BINARY_DIR}/jit_symbols_${arch}.c
    DEPENDS ${obj} ${extract_depends}
    COMMENT "Extracting the ${arch} stencils")
endforeach()
add_custom_target(tessera_stencils DEPENDS
  ${CMAKE_CURRENT_BINARY_DIR}/jit_stencils_x86_64.h ${CMAKE_CURRENT_BINARY_DIR}/jit_stencils_aarch64.h
  ${CMAKE_CURRENT_BINARY_DIR}/jit_symbols_x86_64.c ${CMAKE_CURRENT_BINARY_DIR}/jit_symbols_aarch64.c)

target_sources(tessera_jit PRIVATE stencils_x86_64.c stencils_aarch64.c jit_symbols.c)
target_include_directories(tessera_jit PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
add_dependencies(tessera_jit tessera_stencils)
