/* mutator.h: structure-aware mutation of `module` fuzz inputs (fuzz/target_module.c):
 * edits the program a module holds, not its bytes, so that mutated inputs still load,
 * verify and reach the oracle.
 *
 *   bytes --module_load--> Module --1..4 edits, each re-verified--> Module
 *         --drop unused constants, module_write--> bytes (canonical form)
 *
 * The edits (MUTATOR_EDITS below) keep the stack effect of every instruction they
 * touch, so almost all of them verify; one that does not is discarded and another is
 * tried, a bounded number of times. The choices come from a PRNG seeded by the caller
 * (splitmix64): the same input and seed give the same output, on every host.
 *
 * Input that does not load is not this mutator's business: both functions return 0,
 * and the engine hook falls back to the engine's own byte mutator (libFuzzer:
 * LLVMFuzzerMutate in fuzz/mutator_libfuzzer.c; AFL++: fuzz/mutator_afl.c returns
 * nothing and AFL++'s havoc stage mutates the bytes). */
#ifndef TESSERA_MUTATOR_H
#define TESSERA_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

/* EDIT(NAME, "name", "what it does") */
#define MUTATOR_EDITS(EDIT)                                                                      \
  EDIT(INT_OPERAND, "int-operand", "push_int gets an edge i16 or a nearby value (loop bounds, shift counts)") \
  EDIT(CONST_EDGE, "const-edge", "push_int or push_const pushes an edge constant, mostly of the same kind") \
  EDIT(SWAP_OP, "swap-op", "an opcode becomes another with the same format, flags and stack effect")     \
  EDIT(LOCAL, "local", "a local load or store names another local of the same function")            \
  EDIT(GLOBAL, "global", "a global load or store names another global, or a new one")               \
  EDIT(CALLEE, "callee", "push_func names another function with the same number of parameters")     \
  EDIT(DUP_SEQ, "dup-seq", "a straight-line, stack-neutral run of instructions is repeated")          \
  EDIT(DEL_SEQ, "del-seq", "a straight-line, stack-neutral run of instructions is deleted")           \
  EDIT(SPLICE, "splice", "a function body is replaced by one of the same arity (crossover only)")

typedef enum {
#define EDIT(name, text, doc) MUTATOR_##name,
  MUTATOR_EDITS(EDIT)
#undef EDIT
  MUTATOR__COUNT
} MutatorEdit;

extern const char *const mutator_edit_name[MUTATOR__COUNT];

/* What one call did: the edits kept (verified), and the attempts made. */
typedef struct {
  unsigned kept[MUTATOR__COUNT];
  unsigned edits;     /* edits kept, all kinds */
  unsigned attempts;  /* edits tried, kept or not */
} MutatorStats;

/* Mutates the module in data[0, size) in place (data holds max_size bytes) with 1 to 4
   edits chosen by seed. Returns the new size, or 0 when data does not load, when no
   edit could be made within max_size, or when the result would equal the input; data
   is unchanged then. stats may be NULL. */
size_t tessera_mutate_module_stats(uint8_t *data, size_t size, size_t max_size, uint64_t seed,
                                   MutatorStats *stats);
size_t tessera_mutate_module(uint8_t *data, size_t size, size_t max_size, uint64_t seed);

/* Crossover: the module a with one function body replaced by a body of the same arity
   from the module b (constants, globals and callees remapped into a), written to out
   (max_size bytes). Returns its size, or 0 when either input does not load, no arity
   matches, or the result does not fit. */
size_t tessera_crossover_module(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size, uint8_t *out,
                                size_t max_size, uint64_t seed);

#endif
