/* specialize.h: tier 1's specialized instructions, their inline caches, and the
 * decision of which form fits (CPython 3.11's quickening, done small).
 *
 * A specializable generic instruction (T1 column ADAPTIVE in opcodes.h) counts down
 * its cache's counter each time it runs; at zero it looks at its operands and rewrites itself, in the VM's own copy of
 * the code, into the specialized form that fits (same length, same operand bytes). A
 * specialized form runs its guard uop, then its action uop, then its tail (the tier's
 * control glue). When the guard fails, the instruction writes its generic form back,
 * waits warmup << backoff executions before trying again (backoff grows by one per
 * failure, up to T1_MAX_BACKOFF), and runs as the generic instruction this time.
 *
 * SPEC(NAME, GENERIC, GUARD, ACTION, TAIL, "when it applies")
 *   GENERIC  the generic instruction it replaces (comparisons: any of eq..ge, the
 *            one replaced is kept in the cache)
 *   TAIL     NEXT: go on to the next instruction; BRANCH: pop the bool and jump as the
 *            generic jump would; FUSED_BRANCH: the comparison's bool decides the
 *            conditional jump that follows it, which is skipped; CALL: enter the
 *            cached function (fuel and depth still checked); CALL_CLASS: the class
 *            call, as CALL makes it (vm/interp.h; traces enter the cached init,
 *            CALL_CLASS_INIT, without the lookup: vm/frames.h, frame_call_init);
 *            ITER_ARRAY, ITER_RANGE,
 *            ITER_MAP, ITER_STRING: for_iter's step for an iterator over that kind
 *            (uops.h: uop_for_iter_array ...), pushing the next value or, when done,
 *            popping the iterator and jumping (the action is NOP: iteration is control
 *            flow, and traces project these forms to trace ops of their own)
 *
 * specialize.c locks the table against the others at compile time: a form's GUARD is a
 * guard uop, its ACTION is not and has GENERIC's stack effect (uops.h's STACK column),
 * and the GENERIC instructions are exactly the ADAPTIVE ones. */
#ifndef TESSERA_SPECIALIZE_H
#define TESSERA_SPECIALIZE_H

#include "opcodes.h"
#include "uops.h"

#define TESSERA_SPECIALIZED(SPEC)                                                                       \
  SPEC(ADD_INT,            ADD,           GUARD_INT_INT,         ADD_INT,       NEXT, "two ints")         \
  SPEC(SUB_INT,            SUB,           GUARD_INT_INT,         SUB_INT,       NEXT, "two ints")         \
  SPEC(MUL_INT,            MUL,           GUARD_INT_INT,         MUL_INT,       NEXT, "two ints")         \
  SPEC(IDIV_INT,           IDIV,          GUARD_INT_INT,         IDIV_INT,      NEXT, "two ints")         \
  SPEC(MOD_INT,            MOD,           GUARD_INT_INT,         MOD_INT,       NEXT, "two ints")         \
  SPEC(BAND_INT,           BAND,          GUARD_INT_INT,         BAND_INT,      NEXT, "two ints")         \
  SPEC(BOR_INT,            BOR,           GUARD_INT_INT,         BOR_INT,       NEXT, "two ints")         \
  SPEC(BXOR_INT,           BXOR,          GUARD_INT_INT,         BXOR_INT,      NEXT, "two ints")         \
  SPEC(SHL_INT,            SHL,           GUARD_INT_INT,         SHL_INT,       NEXT, "two ints")         \
  SPEC(SHR_INT,            SHR,           GUARD_INT_INT,         SHR_INT,       NEXT, "two ints")         \
  SPEC(NEG_INT,            NEG,           GUARD_INT,             NEG_INT,       NEXT, "an int")           \
  SPEC(ADD_FLOAT,          ADD,           GUARD_FLOAT_FLOAT,     ADD_FLOAT,     NEXT, "two floats")       \
  SPEC(SUB_FLOAT,          SUB,           GUARD_FLOAT_FLOAT,     SUB_FLOAT,     NEXT, "two floats")       \
  SPEC(MUL_FLOAT,          MUL,           GUARD_FLOAT_FLOAT,     MUL_FLOAT,     NEXT, "two floats")       \
  SPEC(DIV_FLOAT,          DIV,           GUARD_FLOAT_FLOAT,     DIV_FLOAT,     NEXT, "two floats")       \
  SPEC(NEG_FLOAT,          NEG,           GUARD_FLOAT,           NEG_FLOAT,     NEXT, "a float")          \
  SPEC(ADD_STRING,         ADD,           GUARD_STRING_STRING,   CONCAT_STRING, NEXT, "two strings")      \
  SPEC(COMPARE_INT,        LT,            GUARD_INT_INT,         COMPARE_INT,   NEXT, "two ints")         \
  SPEC(COMPARE_FLOAT,      LT,            GUARD_FLOAT_FLOAT,     COMPARE_FLOAT, NEXT, "two floats")       \
  SPEC(COMPARE_INT_JUMP,   LT,            GUARD_INT_INT,         COMPARE_INT,   FUSED_BRANCH,             \
       "two ints, and a conditional jump follows")                                                      \
  SPEC(COMPARE_FLOAT_JUMP, LT,            GUARD_FLOAT_FLOAT,     COMPARE_FLOAT, FUSED_BRANCH,             \
       "two floats, and a conditional jump follows")                                                    \
  SPEC(COMPARE_STRING,     LT,            GUARD_STRING_STRING,   COMPARE_STRING, NEXT, "two strings")     \
  SPEC(COMPARE_STRING_JUMP, LT,           GUARD_STRING_STRING,   COMPARE_STRING, FUSED_BRANCH,            \
       "two strings, and a conditional jump follows")                                                   \
  SPEC(NOT_BOOL,           NOT,           GUARD_BOOL,            NOT_BOOL,      NEXT, "a bool")           \
  SPEC(JUMP_IF_FALSE_INT,  JUMP_IF_FALSE, GUARD_INT,             TRUTH_INT,     BRANCH, "an int")         \
  SPEC(JUMP_IF_TRUE_INT,   JUMP_IF_TRUE,  GUARD_INT,             TRUTH_INT,     BRANCH, "an int")         \
  SPEC(JUMP_IF_FALSE_STRING, JUMP_IF_FALSE, GUARD_STRING,        TRUTH_STRING,  BRANCH, "a string")       \
  SPEC(JUMP_IF_TRUE_STRING, JUMP_IF_TRUE, GUARD_STRING,          TRUTH_STRING,  BRANCH, "a string")       \
  SPEC(JUMP_IF_FALSE_ARRAY, JUMP_IF_FALSE, GUARD_ARRAY,          TRUTH_ARRAY,   BRANCH, "an array")       \
  SPEC(JUMP_IF_TRUE_ARRAY, JUMP_IF_TRUE,  GUARD_ARRAY,           TRUTH_ARRAY,   BRANCH, "an array")       \
  SPEC(JUMP_IF_FALSE_FLOAT, JUMP_IF_FALSE, GUARD_FLOAT,           TRUTH_FLOAT,   BRANCH, "a float")        \
  SPEC(JUMP_IF_TRUE_FLOAT, JUMP_IF_TRUE,  GUARD_FLOAT,           TRUTH_FLOAT,   BRANCH, "a float")        \
  SPEC(JUMP_IF_FALSE_MAP,  JUMP_IF_FALSE, GUARD_MAP,             TRUTH_MAP,     BRANCH, "a map")          \
  SPEC(JUMP_IF_TRUE_MAP,   JUMP_IF_TRUE,  GUARD_MAP,             TRUTH_MAP,     BRANCH, "a map")          \
  SPEC(JUMP_IF_FALSE_NIL,  JUMP_IF_FALSE, GUARD_NIL,             TRUTH_NIL,     BRANCH, "nil")            \
  SPEC(JUMP_IF_TRUE_NIL,   JUMP_IF_TRUE,  GUARD_NIL,             TRUTH_NIL,     BRANCH, "nil")            \
  SPEC(JUMP_IF_FALSE_BOOL, JUMP_IF_FALSE, GUARD_BOOL,            NOP,           BRANCH, "a bool")         \
  SPEC(JUMP_IF_TRUE_BOOL,  JUMP_IF_TRUE,  GUARD_BOOL,            NOP,           BRANCH, "a bool")         \
  SPEC(GET_ARRAY_INT,      GET,           GUARD_ARRAY_INT,       GET_ARRAY_INT, NEXT, "an array and an int") \
  SPEC(GET_STRING_INT,     GET,           GUARD_STRING_INT,      GET_STRING_INT, NEXT, "a string and an int") \
  SPEC(SET_ARRAY_INT,      SET,           GUARD_ARRAY_INT_ANY,   SET_ARRAY_INT, NEXT, "an array and an int") \
  SPEC(GET_MAP_STRING,     GET,           GUARD_MAP_STRING,      MAP_GET_STRING, NEXT, "a map and a string; operand: the entry's hint") \
  SPEC(SET_MAP_STRING,     SET,           GUARD_MAP_STRING_ANY,  MAP_SET_STRING, NEXT, "a map and a string; operand: the entry's hint") \
  SPEC(HAS_MAP_STRING,     HAS,           GUARD_MAP_STRING,      MAP_HAS_STRING, NEXT, "a map and a string; operand: the entry's hint") \
  SPEC(FOR_ITER_ARRAY,     FOR_ITER,      GUARD_ITER_ARRAY,      NOP,           ITER_ARRAY, "an iterator over an array") \
  SPEC(FOR_ITER_RANGE,     FOR_ITER,      GUARD_ITER_RANGE,      NOP,           ITER_RANGE, "an iterator over a range of ints") \
  SPEC(FOR_ITER_MAP,       FOR_ITER,      GUARD_ITER_MAP,        NOP,           ITER_MAP, "an iterator over a map's keys") \
  SPEC(FOR_ITER_STRING,    FOR_ITER,      GUARD_ITER_STRING,     NOP,           ITER_STRING, "an iterator over a string") \
  SPEC(LEN_ARRAY,          LEN,           GUARD_ARRAY,           LEN_ARRAY,     NEXT, "an array")         \
  SPEC(LEN_STRING,         LEN,           GUARD_STRING,          LEN_STRING,    NEXT, "a string")         \
  SPEC(APPEND_ARRAY,       APPEND,        GUARD_ARRAY_ANY,       APPEND_ARRAY,  NEXT, "an array")         \
  SPEC(LOAD_GLOBAL_CACHED, LOAD_GLOBAL,   GUARD_GLOBALS_VERSION, LOAD_GLOBAL,   NEXT,                     \
       "always; the globals version when specialized is cached")                                        \
  SPEC(CALL_EXACT,         CALL,          GUARD_CALLEE,          NOP,           CALL,                     \
       "a function taking exactly the given arguments; it is cached")                                   \
  SPEC(CALL_CLOSURE,       CALL,          GUARD_CLOSURE_CALLEE,  NOP,           CALL,                     \
       "a closure whose function takes exactly the given arguments; the function is cached")            \
  SPEC(CALL_CLASS,         CALL,          GUARD_CLASS_CALLEE,    NOP,           CALL_CLASS,               \
       "a class whose init is a function taking the instance and exactly the given arguments; the class's version and init cached") \
  SPEC(CALL_BUILTIN,       CALL,          GUARD_BUILTIN,         CALL_BUILTIN,  NEXT,                     \
       "a builtin taking exactly the given arguments; which one is cached")                             \
  SPEC(CELL_GET_CELL,      CELL_GET,      GUARD_CELL,            CELL_GET_CELL, NEXT, "a cell")           \
  SPEC(CELL_SET_CELL,      CELL_SET,      GUARD_CELL_UNDER,      CELL_SET_CELL, NEXT, "a cell")           \
  SPEC(LOAD_ATTR_INSTANCE_VALUE, LOAD_ATTR, GUARD_SHAPE,         LOAD_ATTR_SLOT, NEXT,                    \
       "an instance's own attribute; shape and slot cached")                                            \
  SPEC(LOAD_ATTR_WITH_CLASS, LOAD_ATTR,   GUARD_SHAPE_CLASS,     LOAD_INSTANCE_CLASS_ATTR, NEXT,          \
       "an instance without the attribute, its class (or a base) with it; shape, class version, place cached") \
  SPEC(LOAD_ATTR_CLASS,    LOAD_ATTR,     GUARD_CLASS_VERSION,   LOAD_CLASS_ATTR, NEXT,                   \
       "a class's attribute; version and place cached")                                                 \
  SPEC(LOAD_METHOD_INSTANCE_VALUE, LOAD_METHOD, GUARD_SHAPE,     LOAD_METHOD_SLOT, NEXT,                  \
       "an instance's own attribute; shape and slot cached")                                            \
  SPEC(LOAD_METHOD_WITH_CLASS, LOAD_METHOD, GUARD_SHAPE_CLASS,   LOAD_METHOD_CLASS_ATTR, NEXT,            \
       "a method of the instance's class (or a base); shape, class version, place cached")              \
  SPEC(STORE_ATTR_INSTANCE_VALUE, STORE_ATTR, GUARD_SHAPE,       STORE_ATTR_SLOT, NEXT,                   \
       "an instance that has the attribute; shape and slot cached")                                     \
  SPEC(STORE_ATTR_ADD,     STORE_ATTR,    GUARD_SHAPE,           STORE_ATTR_APPEND, NEXT,                 \
       "an instance that gets the attribute; shape and the shape it moves to cached")

/* CALL_CLASS's operand (and its guard's): the class's version in the low 32 bits, its
   init function above them. */
#define CALL_CLASS_OPERAND(version, init) ((uint64_t)(version) | (uint64_t)(init) << 32)
#define CALL_CLASS_INIT(operand) ((uint32_t)((operand) >> 32))

/* Specialized opcodes follow the generic ones in one numbering. */
typedef enum {
  SPEC__BEFORE = OP__COUNT - 1,
#define SPEC(name, generic, guard, action, tail, doc) OP_##name,
  TESSERA_SPECIALIZED(SPEC)
#undef SPEC
  OP__ALL
} SpecOpcode;

STATIC_ASSERT(OP__ALL <= 256, "all opcodes must fit one byte");

typedef enum {
  TAIL_NEXT, TAIL_BRANCH, TAIL_FUSED_BRANCH, TAIL_CALL, TAIL_CALL_CLASS,
  TAIL_ITER_ARRAY, TAIL_ITER_RANGE, TAIL_ITER_MAP, TAIL_ITER_STRING
} SpecTail;

typedef struct {
  const char *name;  /* mnemonic, lower case */
  Opcode generic;
  UopId guard, action;
  SpecTail tail;
  const char *doc;
} SpecInfo;

/* Information on specialized opcode op (OP__COUNT <= op < OP__ALL). */
const SpecInfo *spec_info(int op);
/* Mnemonic of any opcode, generic or specialized. */
const char *opcode_name(int op);

/* The inline cache of one instruction, kept beside the code (indexed by offset). */
typedef struct T1Cache {
  uint16_t counter;  /* executions left before the next specialization attempt */
  uint8_t backoff;   /* failures so far, capped at T1_MAX_BACKOFF */
  uint8_t generic;   /* the generic opcode a specialized form replaced */
  uint32_t aux;      /* the oparg of the form's uops: the instruction's operand, or
                        for comparisons the comparison mask */
  uint64_t operand;  /* the cached operand: globals version, function index, shape,
                        class version << 32 | shape, class version; for
                        fused comparisons 1 when the jump is taken on true; for
                        conditional jumps the branch history (t1_record_branch) */
} T1Cache;

#define T1_MAX_BACKOFF 12
#define T1_DEFAULT_WARMUP 8

/* What --stats shows for t1, by opcode (generic and specialized). */
typedef struct T1Stats {
  uint64_t executed[OP__ALL];     /* instructions run (a deopted one counts twice) */
  uint64_t specialized[OP__ALL];  /* a generic instruction became this form */
  uint64_t failed[OP__ALL];       /* a generic instruction found no form that fits */
  uint64_t deopts[OP__ALL];       /* this form's guard failed */
} T1Stats;

/* True when generic opcode op has specialized forms (and so counts executions). */
bool t1_is_specializable(Opcode op);

/* Chooses the specialized form for the generic instruction at code[pc] given the
   operand stack (sp: next free slot), or returns 0 when none fits. Fills the cache
   with what the form needs. */
int t1_choose(const VM *vm, const uint8_t *code, uint32_t pc, const Value *sp, T1Cache *c);

/* Branch history of a conditional jump, for tier 2's trace projection: in its cache's
   operand (t1 caches no operand for jumps), one bit per execution (1: jumped), newest
   lowest, below a marker bit; the last T1_HISTORY_LEN executions are kept. A fused
   comparison records into the cache of the jump it skips. */
#define T1_HISTORY_LEN 16
static inline void t1_record_branch(T1Cache *c, bool jumped) {
  uint64_t h = (c->operand ? c->operand : 1) << 1 | jumped;
  if (h >> (T1_HISTORY_LEN + 1)) h = (h & ((1u << T1_HISTORY_LEN) - 1)) | (1u << T1_HISTORY_LEN);
  c->operand = h;
}

/* The direction a conditional jump mostly took: 1 jumped, 0 fell through, -1 never ran.
   A tie goes to the latest execution. */
static inline int t1_branch_bias(const T1Cache *c) {
  uint64_t h = c->operand;
  if (h <= 1) return -1;
  int n = 63 - __builtin_clzll(h);  /* executions recorded: bits below the marker */
  int jumped = __builtin_popcountll(h) - 1;
  if (2 * jumped != n) return 2 * jumped > n;
  return (int)(h & 1);
}

/* The counter value after `backoff` failures. */
static inline uint16_t t1_counter(uint32_t warmup, uint8_t backoff) {
  uint64_t v = (uint64_t)(warmup ? warmup : 1) << backoff;
  return (uint16_t)(v > UINT16_MAX ? UINT16_MAX : v);
}

#endif
