/* gen.h: the program generator of the differential fuzzer: fuzzer bytes in, a Tessera
 * program out, as .tas text and as the module that text assembles to.
 *
 * Every byte string decodes to a program that verifies and terminates:
 * loops are counted (a counter local nothing else writes, bound by a constant or by
 * the length of a bounded array), a function calls only functions defined before it,
 * or itself with an explicit depth argument that shrinks by one per level; fuel is only
 * the backstop. The generator keeps an estimate of the instructions a program runs
 * and stays under a budget, so programs run in tens of microseconds.
 *
 * What it aims at (issue 4, item 3): hot loops of 10 to 300 iterations (nested too),
 * values that change kind after some iterations (int to float, array to string, a
 * different callee), global stores and loads inside loops, calls with 0 to 4
 * arguments, bounded recursion, arrays and strings, int and float edge values,
 * comparisons feeding conditional jumps, runtime errors raised from inside hot loops in
 * some programs, errors raised and caught by handlers (nested, raised again) in others,
 * cells written through one reference and read through another in traced loops and
 * closures that change function after warm-up in others, builtin calls and call sites
 * whose builtin changes after warm-up in others, and probes on intermediate values. A
 * class is tracked for every local and global (int, float, number, bool, string, array,
 * array-or-string, any, function), so most operations are well typed; some programs
 * mix kinds on purpose.
 *
 * Determinism: a decision reads bytes and nothing else: no host float arithmetic, no
 * pointers, no hash-table order, no time. Past the end of the input every byte reads
 * as zero, and zeros always choose the smallest option, so any input, the empty one
 * included, gives a small complete program. */
#ifndef TESSERA_GEN_H
#define TESSERA_GEN_H

#include "buf.h"
#include "module.h"

/* Input length that seed-driven generation uses (gen_bytes_from_seed): more than a
   program of the largest shape reads, so seeded programs never run into the zeros. */
#define GEN_SEED_BYTES 4096

/* Generates a program from fuzzer bytes. Same bytes, same program, on every CPU and build
   (no floats computed from bytes via host arithmetic that could differ; no pointer values,
   no hash-table iteration order, no time). When the bytes run out, reading continues as
   zeros, deterministically. Always produces a module that assembles and verifies: a failure
   is a generator bug (gen_program returns false with the assembler's message in d).
   The module is built directly, not assembled from the text, which costs time only when
   tas_out is not NULL: it is cleared first and then holds the program text, which
   assembles to the same module (even on failure, the text is there). module_out may be
   NULL (the module is still built and verified); otherwise the caller frees it with
   module_free after a success. shape may be NULL; its counts are of the text:
   functions (main included), loops, call instructions, probe instructions and
   store_global instructions, whether or not a run reaches them. */
typedef struct {
  uint32_t functions, loops, calls, probes, global_stores;  /* what the program contains */
} GenShape;
bool gen_program(const uint8_t *data, size_t len, Buf *tas_out, Module *module_out, GenShape *shape, Diag *d);
/* The text of the program that data generates, for a program worth saving: gen_program
   with text only, checked to assemble to m, the module built from data before. False
   with d set when it does not (a generator bug); tas_out holds the text regardless. */
bool gen_text_of(const uint8_t *data, size_t len, const Module *m, Buf *tas_out, Diag *d);
/* Bytes from a seed (splitmix64), for seed-driven generation. */
void gen_bytes_from_seed(uint64_t seed, uint8_t *out, size_t len);
/* A hash of the text of the programs the first seeds generate: two builds that agree on
   it make the same programs from the same bytes, as tessera fuzz --arch needs of its
   workers (a build of another tree would report differences that are not bugs). */
uint64_t gen_fingerprint(void);

#endif
