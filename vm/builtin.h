/* builtin.h: the builtin functions (docs/semantics.md section 28), defined once.
 *
 * A builtin is a value of its own kind (VAL_BUILTIN, holding the builtin's number), made
 * by push_builtin and called by `call` like a function, without a frame:
 *
 *   BUILTIN(NAME, name, ARITY, RESULT, KEEPS, "what it gives")
 *     ARITY   the argument count `call` must pass
 *     RESULT  the kind bits its result may have (uops.h), for the trace optimizer
 *     KEEPS   true when its result has one of its arguments' kinds (floor and abs keep
 *             their argument's, min and max give one of theirs): the optimizer narrows
 *
 * What each computes, and its errors, is sem_builtin (semantics.h); the call around it
 * (callee, arity, fuel) is uop_CALL_BUILTIN (uops.h), shared by every tier. */
#ifndef TESSERA_BUILTIN_H
#define TESSERA_BUILTIN_H

#define TESSERA_BUILTINS(BUILTIN)                                                                      \
  BUILTIN(SQRT,  sqrt,  1, KIND_FLOAT,                        false, "the square root of a number, a float")  \
  BUILTIN(FLOOR, floor, 1, KIND_INT | KIND_FLOAT,             true,  "an int itself; a float rounded down")   \
  BUILTIN(ABS,   abs,   1, KIND_INT | KIND_FLOAT,             true,  "the magnitude of a number")             \
  BUILTIN(MIN,   min,   2, KIND_INT | KIND_FLOAT | KIND_STR,  true,  "y if y < x, else x")                    \
  BUILTIN(MAX,   max,   2, KIND_INT | KIND_FLOAT | KIND_STR,  true,  "y if y > x, else x")                    \
  BUILTIN(CHR,   chr,   1, KIND_STR,                          false, "the one-byte string of an int 0..255")  \
  BUILTIN(ORD,   ord,   1, KIND_INT,                          false, "the byte of a one-byte string")

typedef enum {
#define BUILTIN(NAME, name, arity, result, keeps, doc) BUILTIN_##NAME,
  TESSERA_BUILTINS(BUILTIN)
#undef BUILTIN
  BUILTIN__COUNT
} BuiltinId;

extern const char *const builtin_name[BUILTIN__COUNT];
extern const unsigned char builtin_arity[BUILTIN__COUNT];

#endif
