/* verify.h: proves a module safe to run (Wasm/JVM-style validation).
 *
 * For every function, in one forward pass (all jumps but LOOP go forward):
 *   1. decode: every opcode known, every instruction whole;
 *   2. operands: constant, function, local and global indices in range; jump targets
 *      on instruction boundaries inside the function; LOOP targets at or before it;
 *   3. stack: the depth at each instruction is the same along every path, never
 *      negative, and its maximum equals the declared max_stack;
 *   4. control: no instruction is unreachable from above, none falls off the end;
 *   5. handlers: each exception table entry's range is whole instructions and its
 *      handler comes after it; the handler is entered with the depth at the range's
 *      start plus the error's value, and no depth inside the range is below that.
 * Then: a function 'main' exists and takes no parameters.
 * An accepted module cannot make an interpreter read or write out of bounds. */
#ifndef TESSERA_VERIFY_H
#define TESSERA_VERIFY_H

#include "module.h"

/* Verifies code and sets m->main_func. On rejection, d names function, offset, reason. */
bool verify_module(Module *m, Diag *d);

/* The proven maximum stack depth of f, or -1 with d set when f does not verify. With
   handler_depths (f->nhandlers entries), they get the proven depth of each exception
   table entry; without, the entries' declared depths must be the proven ones. */
int64_t verify_function(const Module *m, const Function *f, uint32_t *handler_depths, Diag *d);

/* For modules built in this process (the assembler, the generator): verifies every
   function once, setting its max_stack to the proven maximum, then as verify_module. */
bool verify_finish(Module *m, Diag *d);

#endif
