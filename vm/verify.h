/* verify.h: proves a module safe to run (Wasm/JVM-style validation).
 *
 * For every function, in one forward pass (all jumps but LOOP go forward):
 *   1. decode: every opcode known, every instruction whole;
 *   2. operands: constant, function, local and global indices in range; jump targets
 *      on instruction boundaries inside the function; LOOP targets at or before it;
 *   3. stack: the depth at each instruction is the same along every path, never
 *      negative, and its maximum equals the declared max_stack;
 *   4. control: no instruction is unreachable from above, none falls off the end.
 * Then: a function 'main' exists and takes no parameters.
 * An accepted module cannot make an interpreter read or write out of bounds. */
#ifndef TESSERA_VERIFY_H
#define TESSERA_VERIFY_H

#include "module.h"

/* Verifies code and sets m->main_func. On rejection, d names function, offset, reason. */
bool verify_module(Module *m, Diag *d);

/* The proven maximum stack depth of f, or -1 with d set when f does not verify.
   Used by the assembler to fill in max_stack. */
int64_t verify_function(const Module *m, const Function *f, Diag *d);

/* For modules built in this process (the assembler, the generator): verifies every
   function once, setting its max_stack to the proven maximum, then as verify_module. */
bool verify_finish(Module *m, Diag *d);

#endif
