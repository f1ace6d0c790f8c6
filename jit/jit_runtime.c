/* jit_runtime.c: run-time functions that only stencils call and that need a calling
 * convention of clang's: the build compiles this file with the stencil compiler
 * (jit/CMakeLists.txt), also when another compiler (gcc) builds the rest, since a
 * function another compiler built would not keep the registers the stencils rely on. */
#include "heap.h"

#if !defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__)) && !defined(TESSERA_NO_STENCILS)
#error "jit_runtime.c must be compiled by clang: the stencils call it with preserve_most"
#endif

PRESERVE_MOST void heap_release_obj_preserving(Heap *h, Obj *o) { heap_release_obj(h, o); }
