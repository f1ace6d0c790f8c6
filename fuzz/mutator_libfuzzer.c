/* mutator_libfuzzer.c: libFuzzer's custom mutator and crossover hooks for the `module`
 * target, linked only into tessera-fuzz-module (fuzz/CMakeLists.txt). With these
 * defined, libFuzzer mutates through them alone: LLVMFuzzerCustomMutator for every
 * mutation, LLVMFuzzerCustomCrossOver when it crosses two corpus entries.
 *
 * Input that loads is edited as a program (fuzz/mutator.h). Input that does not load
 * (raw bytes: a seed that is not a module, or one the byte mutator broke), and one
 * input in MUTATOR_BYTE_SHARE that does, goes to libFuzzer's default byte mutator
 * (LLVMFuzzerMutate, with the -dict tokens), so the reader and the verifier keep
 * being fuzzed on malformed modules too. */
#include <stddef.h>
#include <stdint.h>

#include "mutator.h"

/* One mutation in this many is a byte mutation even when the input loads. */
#define MUTATOR_BYTE_SHARE 8

/* libFuzzer's default mutator, callable from the hooks. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  size_t n = seed % MUTATOR_BYTE_SHARE ? tessera_mutate_module(data, size, max_size, seed) : 0;
  return n ? n : LLVMFuzzerMutate(data, size, max_size);
}

/* 0 when the inputs do not both load or share no arity: libFuzzer then tries
   another mutation. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size, unsigned int seed) {
  return tessera_crossover_module(data1, size1, data2, size2, out, max_out_size, seed);
}
