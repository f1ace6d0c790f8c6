/* errors.h: runtime error kinds, defined once.
 * ERR(NAME, "kind as printed and in JSON", "what it means")
 * A runtime error that no handler catches stops the program; the observation records
 * the kind and the location (function and bytecode offset of the instruction that
 * raised it). */
#ifndef TESSERA_ERRORS_H
#define TESSERA_ERRORS_H

#define TESSERA_ERRORS(ERR)                                                               \
  ERR(NONE,        "none",             "no error")                                        \
  ERR(TYPE,        "type",             "operand of the wrong type")                       \
  ERR(DIV_ZERO,    "division_by_zero", "// or % with a zero divisor")                     \
  ERR(NEG_SHIFT,   "negative_shift",   "<< or >> by a negative amount")                   \
  ERR(INDEX,       "index",            "index out of range")                              \
  ERR(CONVERSION,  "conversion",       "value cannot be converted (nan, inf, range, text)") \
  ERR(ARITY,       "arity",            "call with the wrong number of arguments")         \
  ERR(ATTRIBUTE,   "attribute",        "attribute not found on an instance or class")     \
  ERR(FUEL,        "fuel",             "fuel exhausted (loop edges and calls)")           \
  ERR(DEPTH,       "depth",            "call depth or stack slot limit exceeded")         \
  ERR(HEAP,        "heap",             "heap byte limit exceeded")                        \
  ERR(OUTPUT,      "output",           "output byte limit exceeded")                      \
  ERR(RAISED,      "raised",           "a value raised by raise that no handler caught")

typedef enum {
#define ERR(name, text, doc) ERR_##name,
  TESSERA_ERRORS(ERR)
#undef ERR
  ERR__COUNT
} ErrorKind;

extern const char *const error_kind_name[ERR__COUNT];
extern const char *const error_kind_doc[ERR__COUNT];

/* Whether a handler may catch an error of this kind (docs/semantics.md section 26): the
   errors of operations and raised values, not the limits (fuel, depth, heap, output),
   which end the run wherever they are hit. A caught error of kind k is the int k. */
static inline bool error_catchable(ErrorKind e) { return (e > ERR_NONE && e < ERR_FUEL) || e == ERR_RAISED; }

/* The runtime error an int raised by `raise` stands for (a catchable kind's code, not
   `raised`'s), or ERR_NONE: the int is raised as a value. */
static inline ErrorKind error_of_code(int64_t code) {
  if (code <= ERR_NONE || code >= ERR__COUNT || code == ERR_RAISED) return ERR_NONE;
  return error_catchable((ErrorKind)code) ? (ErrorKind)code : ERR_NONE;
}

/* Looks a kind up by its printed name; returns -1 when unknown. */
int error_kind_from_name(const char *name);

#endif
