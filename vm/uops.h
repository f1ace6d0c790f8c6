/* uops.h: micro-ops, each body written once.
 *
 * A micro-op (uop) is one step of an instruction: a guard (checks an assumption,
 * changes nothing, or answers UOP_DEOPT) or an action (does the work). Every
 * instruction whose BODY is UOP (opcodes.h) is one uop of the same name; every specialized
 * instruction (specialize.h) is a guard uop followed by an action uop. The reference
 * and t1 interpreters call these bodies, and so do the t2 uop interpreter
 * (trace_run.c), the trace optimizer's constant folding (trace_optimize.c) and the
 * JIT's stencils (jit/template.c, compiled by clang at build time).
 *
 * Interface, uniform for all uops:
 *
 *   UopStatus uop_NAME(UopState *u, uint32_t oparg, uint64_t operand)
 *
 *   u        the VM, the operand stack pointer (next free slot, updated by the uop)
 *            and the current frame's locals
 *   oparg    the instruction's decoded operand, or a value chosen at specialization
 *   operand  a 64-bit value cached at specialization (a version, a function index)
 *   result   UOP_OK; UOP_DEOPT (guards only: the stack is untouched); or an error
 *            kind (> 0), with the stack untouched so the caller can locate and unwind
 *
 * Control flow (jumps, loops, calls, returns) is the business of each tier, not of a
 * uop: an interpreter moves its pc, a trace exits or guards, a stencil jumps. */
#ifndef TESSERA_UOPS_H
#define TESSERA_UOPS_H

#include "semantics.h"

typedef struct {
  VM *vm;
  Value *sp;      /* next free operand stack slot */
  Value *locals;  /* local 0 of the current frame */
} UopState;

/* Passes two pointers just loaded through registers, so that the compiler cannot merge
   their loads into one 16-byte load: that load waits when the two were just written by
   two 8-byte stores (a store-forwarding stall: a tenth of the time of a call-heavy
   benchmark where t1, traces and compiled code hand sp and locals back and forth). */
#define UOP_POINTERS_APART(a, b) __asm__("" : "+r"(a), "+r"(b))

/* *dst = *src, one pointer at a time (UOP_POINTERS_APART). */
static inline void uop_state_copy(UopState *dst, const UopState *src) {
  Value *sp = src->sp, *locals = src->locals;
  UOP_POINTERS_APART(sp, locals);
  dst->vm = src->vm;
  dst->sp = sp;
  dst->locals = locals;
}

typedef int UopStatus;
#define UOP_OK 0
#define UOP_DEOPT (-1)
/* A generic uop whose operand is an instance with the matching operator method: the
   stack is untouched and vm->invoke says what to call (sem_operator); each tier makes
   the call (interp.h), or leaves its trace to let the interpreter make it. */
#define UOP_INVOKE (-2)
/* Any other value is an ErrorKind. */

/* The uop tables: one row per uop, its facts as columns, so that a uop without them does
 * not compile:
 *
 *   UOP(NAME, STACK, NEEDS, RESULT, FLAGS, "meaning")
 *
 *   STACK   the instruction whose stack effect it has (op_pops, op_pushes): a generic
 *           uop's own, an action's the instruction it specializes, a proven uop's the one
 *           it stands for; NOP for a guard (none)
 *   NEEDS   UOP_NEEDS(D0, D1, D2) for a guard: the kind bits the values at depth 0 (the
 *           top), 1 and 2 must have, 0 where unchecked; 0 for a guard that checks no
 *           kind (the optimizer knows GUARD_CALLEE itself) and for every other uop
 *   RESULT  the kind bits its result may have, KIND_ANY where the optimizer is told no
 *           more; 0 when it pushes nothing
 *   FLAGS   UOPF_FOLD: on ints, floats and bools it touches no heap and no VM state and
 *           its result is one of those, so the optimizer may fold it; UOPF_OPARG: its
 *           oparg means something to a reader (listings show it); UOPF_KILLS_OBJECTS:
 *           it may change a shape or a class version, so guards on objects seen
 *           before it prove nothing after it; UOPF_OBJECT_GUARD: it is such a guard;
 *           UOPF_RELEASES: it may release an array, class or instance; UOPF_SHRINKS:
 *           it may shrink an array or a map; UOPF_MAP_DELETE: it removes a map's key;
 *           UOPF_CELL_WRITE: it writes a cell; UOPF_BUILTIN_CALL: it calls a builtin;
 *           or 0
 *
 * The generic uops come first, then the guards, the specialized actions and the proven
 * uops. uops.c derives uop_info and the uop/instruction pairing from the columns and
 * locks what they cannot derive (STATIC_ASSERT): a generic uop has the name and the stack
 * effect of an instruction whose BODY is UOP, and every such instruction has one; only
 * guards have needs, and they push nothing. */
#define TESSERA_UOPS(UOP) \
  TESSERA_GENERIC_UOPS(UOP) TESSERA_GUARD_UOPS(UOP) TESSERA_ACTION_UOPS(UOP) TESSERA_PROVEN_UOPS(UOP)

/* Kind bits: the kinds of value a stack slot may hold (the NEEDS and RESULT columns, and
   the trace optimizer's abstract state). */
enum {
  KIND_NIL = 1, KIND_BOOL = 2, KIND_INT = 4, KIND_FLOAT = 8, KIND_FUNC = 16, KIND_STR = 32, KIND_ARR = 64,
  KIND_OBJ = 128,  /* a class or an instance */
  KIND_ANY = 255,
  KIND_REFS = KIND_STR | KIND_ARR | KIND_OBJ,  /* the kinds that hold a reference */
  KIND_MAP_KEYS = KIND_NIL | KIND_BOOL | KIND_INT | KIND_FLOAT | KIND_STR  /* what a map's key may be */
};

#define UOP_NEEDS(d0, d1, d2) ((uint32_t)(d0) | (uint32_t)(d1) << 8 | (uint32_t)(d2) << 16)
/* The kind bits a guard's needs require at depth (0: the top); 0 when unchecked. */
static inline uint8_t uop_needs_at(uint32_t needs, int depth) { return (uint8_t)(needs >> (8 * depth)); }

#define UOPF_FOLD 1u
#define UOPF_OPARG 2u
/* It may change an instance's shape or class, or a class's version: the optimizer
   forgets every shape and class-version guard it has seen pass (trace_optimize.c). */
#define UOPF_KILLS_OBJECTS 4u
/* A guard on an object's shape or its class's version: what UOPF_KILLS_OBJECTS makes
   stale (the optimizer, the fuzzer's reach counters). */
#define UOPF_OBJECT_GUARD 8u
/* It may drop the last reference to an array, a class or an instance, and so make an
   instance wait for its finalizer (docs/semantics.md section 23.8): a finalizer may be
   due after it (interp.h checks; a trace projects CHECK_FINALIZERS after it). Uops
   that only drop strings, or nothing, have no flag; dev builds assert it. */
#define UOPF_RELEASES 16u
/* It may shrink an array or a map: a length seen before it may be larger after it.
   Traces count these, in the uop interpreter and compiled code (T2Stats.shrinks). */
#define UOPF_SHRINKS 32u
/* It removes a key from a map: the map's keys change under the lookups around it.
   Traces count these too (T2Stats.map_deletes). */
#define UOPF_MAP_DELETE 64u
/* It writes a cell: what a cell holds changes under the reads around it, through every
   reference to the cell. Traces count these (T2Stats.cell_writes). */
#define UOPF_CELL_WRITE 128u
/* It calls a builtin. Traces count these (T2Stats.builtin_calls). */
#define UOPF_BUILTIN_CALL 256u

/* Generic uops: one per instruction whose BODY is UOP, named as it. */
#define TESSERA_GENERIC_UOPS(UOP)                                                                                                      \
  UOP(NOP,          NOP,          0, 0,                                0,          "do nothing")                                       \
  UOP(PUSH_NIL,     PUSH_NIL,     0, KIND_NIL,                         0,          "push nil")                                         \
  UOP(PUSH_TRUE,    PUSH_TRUE,    0, KIND_BOOL,                        0,          "push true")                                        \
  UOP(PUSH_FALSE,   PUSH_FALSE,   0, KIND_BOOL,                        0,          "push false")                                       \
  UOP(PUSH_INT,     PUSH_INT,     0, KIND_INT,                         UOPF_OPARG, "push oparg as a signed 16-bit int")                \
  UOP(PUSH_CONST,   PUSH_CONST,   0, KIND_INT | KIND_FLOAT | KIND_STR, UOPF_OPARG, "push constant oparg")                              \
  UOP(PUSH_FUNC,    PUSH_FUNC,    0, KIND_FUNC,                        UOPF_OPARG, "push function oparg")                              \
  UOP(LOAD_LOCAL,   LOAD_LOCAL,   0, KIND_ANY,                         UOPF_OPARG, "push local oparg")                                 \
  UOP(STORE_LOCAL,  STORE_LOCAL,  0, 0,                                UOPF_OPARG | UOPF_RELEASES, "pop into local oparg")                             \
  UOP(LOAD_GLOBAL,  LOAD_GLOBAL,  0, KIND_ANY,                         UOPF_OPARG, "push global oparg")                                \
  UOP(STORE_GLOBAL, STORE_GLOBAL, 0, 0,                                UOPF_OPARG | UOPF_RELEASES, "pop into global oparg; bumps the globals version") \
  UOP(POP,          POP,          0, 0,                                UOPF_RELEASES,          "discard the top")                                  \
  UOP(DUP,          DUP,          0, KIND_ANY,                         0,          "duplicate the top")                                \
  UOP(SWAP,         SWAP,         0, KIND_ANY,                         0,          "exchange the two top values")                      \
  UOP(ADD,          ADD,          0, KIND_ANY,                         UOPF_FOLD,  "generic +")                                        \
  UOP(SUB,          SUB,          0, KIND_INT | KIND_FLOAT,            UOPF_FOLD,  "generic -")                                        \
  UOP(MUL,          MUL,          0, KIND_INT | KIND_FLOAT,            UOPF_FOLD,  "generic *")                                        \
  UOP(DIV,          DIV,          0, KIND_FLOAT,                       UOPF_FOLD,  "generic /")                                        \
  UOP(IDIV,         IDIV,         0, KIND_INT | KIND_FLOAT,            UOPF_FOLD,  "generic //")                                       \
  UOP(MOD,          MOD,          0, KIND_INT | KIND_FLOAT,            UOPF_FOLD,  "generic %")                                        \
  UOP(NEG,          NEG,          0, KIND_INT | KIND_FLOAT,            UOPF_FOLD,  "generic negation")                                 \
  UOP(BAND,         BAND,         0, KIND_INT,                         UOPF_FOLD,  "generic &")                                        \
  UOP(BOR,          BOR,          0, KIND_INT,                         UOPF_FOLD,  "generic |")                                        \
  UOP(BXOR,         BXOR,         0, KIND_INT,                         UOPF_FOLD,  "generic ^")                                        \
  UOP(SHL,          SHL,          0, KIND_INT,                         UOPF_FOLD,  "generic <<")                                       \
  UOP(SHR,          SHR,          0, KIND_INT,                         UOPF_FOLD,  "generic >>")                                       \
  UOP(BNOT,         BNOT,         0, KIND_INT,                         UOPF_FOLD,  "generic ~")                                        \
  UOP(EQ,           EQ,           0, KIND_BOOL,                        UOPF_FOLD | UOPF_RELEASES,  "generic ==")                                       \
  UOP(NE,           NE,           0, KIND_BOOL,                        UOPF_FOLD | UOPF_RELEASES,  "generic !=")                                       \
  UOP(LT,           LT,           0, KIND_BOOL,                        UOPF_FOLD,  "generic <")                                        \
  UOP(LE,           LE,           0, KIND_BOOL,                        UOPF_FOLD,  "generic <=")                                       \
  UOP(GT,           GT,           0, KIND_BOOL,                        UOPF_FOLD,  "generic >")                                        \
  UOP(GE,           GE,           0, KIND_BOOL,                        UOPF_FOLD,  "generic >=")                                       \
  UOP(NOT,          NOT,          0, KIND_BOOL,                        UOPF_FOLD | UOPF_RELEASES,  "logical not")                                      \
  UOP(ARRAY_NEW,    ARRAY_NEW,    0, KIND_ARR,                         UOPF_OPARG, "pop oparg values into a new array")                \
  UOP(GET,          GET,          0, KIND_ANY,                         UOPF_RELEASES,          "generic x[i]")                                     \
  UOP(SET,          SET,          0, 0,                                UOPF_RELEASES,          "generic x[i] = v")                                 \
  UOP(LEN,          LEN,          0, KIND_INT,                         UOPF_RELEASES,          "generic len")                                      \
  UOP(APPEND,       APPEND,       0, 0,                                UOPF_RELEASES,          "generic append")                                   \
  UOP(TO_INT,       TO_INT,       0, KIND_INT,                         UOPF_FOLD,  "convert to int")                                   \
  UOP(TO_FLOAT,     TO_FLOAT,     0, KIND_FLOAT,                       UOPF_FOLD,  "convert to float")                                 \
  UOP(TO_STR,       TO_STR,       0, KIND_STR,                         UOPF_RELEASES,          "convert to string")                                \
  UOP(PRINT,        PRINT,        0, 0,                                UOPF_RELEASES,          "pop and print")                                    \
  UOP(PROBE,        PROBE,        0, 0,                                UOPF_RELEASES,          "pop and fold into the checksum")   \
  UOP(CLASS,        CLASS,        0, KIND_OBJ,                         UOPF_OPARG, "pop a base; push a new class named oparg") \
  UOP(LOAD_ATTR,    LOAD_ATTR,    0, KIND_ANY,                         UOPF_OPARG | UOPF_RELEASES, "generic x.oparg")                  \
  UOP(STORE_ATTR,   STORE_ATTR,   0, 0,                                UOPF_OPARG | UOPF_KILLS_OBJECTS | UOPF_RELEASES, "generic x.oparg = v") \
  UOP(DEL_ATTR,     DEL_ATTR,     0, 0,                                UOPF_OPARG | UOPF_KILLS_OBJECTS | UOPF_RELEASES, "delete x's own attribute oparg") \
  UOP(LOAD_METHOD,  LOAD_METHOD,  0, KIND_ANY,                         UOPF_OPARG, "generic x.oparg, keeping x above it") \
  UOP(SET_CLASS,    SET_CLASS,    0, 0,                                UOPF_KILLS_OBJECTS | UOPF_RELEASES, "set an instance's class") \
  UOP(ARRAY_POP,    ARRAY_POP,    0, KIND_ANY,                         UOPF_RELEASES | UOPF_SHRINKS, "remove and push the last element of an array") \
  UOP(ARRAY_REMOVE, ARRAY_REMOVE, 0, KIND_ANY,                         UOPF_RELEASES | UOPF_SHRINKS, "remove and push element i of an array") \
  UOP(MAP_NEW,      MAP_NEW,      0, KIND_OBJ,                         0,             "push a new empty map") \
  UOP(HAS,          HAS,          0, KIND_BOOL,                        UOPF_RELEASES, "whether a map has a key") \
  UOP(DEL_KEY,      DEL_KEY,      0, 0,                                UOPF_RELEASES | UOPF_SHRINKS | UOPF_MAP_DELETE, "remove a key from a map") \
  UOP(ITER,         ITER,         0, KIND_OBJ,                         0,             "an iterator over the top") \
  UOP(CELL_NEW,     CELL_NEW,     0, KIND_OBJ,                         0,             "a new cell holding the top") \
  UOP(CELL_GET,     CELL_GET,     0, KIND_ANY,                         UOPF_RELEASES, "generic: the value a cell holds") \
  UOP(CELL_SET,     CELL_SET,     0, 0,                                UOPF_RELEASES | UOPF_CELL_WRITE, "generic: a cell holds v from now on") \
  UOP(CLOSURE,      CLOSURE,      0, KIND_OBJ,                         UOPF_OPARG,    "a closure of function oparg capturing the top") \
  UOP(LOAD_CAPTURE, LOAD_CAPTURE, 0, KIND_ANY,                         0,             "push what the running closure captured") \
  UOP(PUSH_BUILTIN, PUSH_BUILTIN, 0, KIND_FUNC,                        UOPF_OPARG,    "push builtin oparg (a builtin's kind bit is a function's)")

/* Guards answer UOP_OK or UOP_DEOPT, nothing else: deopt unless ... (top of stack last) */
#define TESSERA_GUARD_UOPS(UOP)                                                                                                                    \
  UOP(GUARD_INT_INT,         NOP, UOP_NEEDS(KIND_INT, KIND_INT, 0),     0, 0,          "... the two top values are ints")                          \
  UOP(GUARD_FLOAT_FLOAT,     NOP, UOP_NEEDS(KIND_FLOAT, KIND_FLOAT, 0), 0, 0,          "... the two top values are floats")                        \
  UOP(GUARD_STRING_STRING,   NOP, UOP_NEEDS(KIND_STR, KIND_STR, 0),     0, 0,          "... the two top values are strings")                       \
  UOP(GUARD_INT,             NOP, UOP_NEEDS(KIND_INT, 0, 0),            0, 0,          "... the top is an int")                                    \
  UOP(GUARD_FLOAT,           NOP, UOP_NEEDS(KIND_FLOAT, 0, 0),          0, 0,          "... the top is a float")                                   \
  UOP(GUARD_BOOL,            NOP, UOP_NEEDS(KIND_BOOL, 0, 0),           0, 0,          "... the top is a bool")                                    \
  UOP(GUARD_ARRAY,           NOP, UOP_NEEDS(KIND_ARR, 0, 0),            0, 0,          "... the top is an array")                                  \
  UOP(GUARD_STRING,          NOP, UOP_NEEDS(KIND_STR, 0, 0),            0, 0,          "... the top is a string")                                  \
  UOP(GUARD_ARRAY_INT,       NOP, UOP_NEEDS(KIND_INT, KIND_ARR, 0),     0, 0,          "... the two top values are an array and an int")           \
  UOP(GUARD_STRING_INT,      NOP, UOP_NEEDS(KIND_INT, KIND_STR, 0),     0, 0,          "... the two top values are a string and an int")           \
  UOP(GUARD_ARRAY_INT_ANY,   NOP, UOP_NEEDS(0, KIND_INT, KIND_ARR),     0, 0,          "... below the top are an array and an int")                \
  UOP(GUARD_ARRAY_ANY,       NOP, UOP_NEEDS(0, KIND_ARR, 0),            0, 0,          "... the value below the top is an array")                  \
  UOP(GUARD_GLOBALS_VERSION, NOP, 0,                                    0, UOPF_OPARG, "... the globals version is still operand")                 \
  UOP(GUARD_CALLEE,          NOP, 0,                                    0, UOPF_OPARG, "... the callee under oparg arguments is function operand") \
  UOP(GUARD_SHAPE,           NOP, 0,                                    0, UOPF_OBJECT_GUARD, "... the top is an instance of shape operand") \
  UOP(GUARD_SHAPE_CLASS,     NOP, 0,                                    0, UOPF_OBJECT_GUARD, "... the top is an instance of shape operand & 0xffffffff, whose class has version operand >> 32") \
  UOP(GUARD_CLASS_VERSION,   NOP, 0,                                    0, UOPF_OBJECT_GUARD, "... the top is a class of version operand") \
  UOP(GUARD_MAP_STRING,      NOP, 0,                                    0, 0, "... the top is a string, below it a map (no kind bit says map: NEEDS is 0)") \
  UOP(GUARD_MAP_STRING_ANY,  NOP, 0,                                    0, 0, "... below the top a string, below that a map") \
  UOP(GUARD_NIL,             NOP, UOP_NEEDS(KIND_NIL, 0, 0),            0, 0, "... the top is nil")                                         \
  UOP(GUARD_MAP,             NOP, 0,                                    0, 0, "... the top is a map (no kind bit says map: NEEDS is 0)")    \
  UOP(GUARD_ITER_ARRAY,      NOP, 0,                                    0, 0, "... the top is an iterator over an array")          \
  UOP(GUARD_ITER_RANGE,      NOP, 0,                                    0, 0, "... the top is an iterator over a range of ints")   \
  UOP(GUARD_ITER_MAP,        NOP, 0,                                    0, 0, "... the top is an iterator over a map's keys")      \
  UOP(GUARD_ITER_STRING,     NOP, 0,                                    0, 0, "... the top is an iterator over a string") \
  UOP(GUARD_CELL,            NOP, 0,                                    0, 0, "... the top is a cell (no kind bit says cell: the optimizer knows it by name)") \
  UOP(GUARD_CELL_UNDER,      NOP, 0,                                    0, 0, "... the value below the top is a cell") \
  UOP(GUARD_CLOSURE_CALLEE,  NOP, 0,                                    0, UOPF_OPARG, "... the callee under oparg arguments is a closure of function operand") \
  UOP(GUARD_BUILTIN,         NOP, 0,                                    0, UOPF_OPARG, "... the callee under oparg arguments is builtin operand") \
  UOP(GUARD_CLASS_CALLEE,    NOP, 0,                                    0, UOPF_OPARG, "... the callee under oparg arguments is a class of version operand & 0xffffffff (whose init is function operand >> 32)")

/* Specialized actions: their guard has run. */
#define TESSERA_ACTION_UOPS(UOP)                                                                                         \
  UOP(ADD_INT,        ADD,    0, KIND_INT,   UOPF_FOLD,              "int + int")                                        \
  UOP(SUB_INT,        SUB,    0, KIND_INT,   UOPF_FOLD,              "int - int")                                        \
  UOP(MUL_INT,        MUL,    0, KIND_INT,   UOPF_FOLD,              "int * int")                                        \
  UOP(IDIV_INT,       IDIV,   0, KIND_INT,   UOPF_FOLD,              "int // int")                                       \
  UOP(MOD_INT,        MOD,    0, KIND_INT,   UOPF_FOLD,              "int % int")                                        \
  UOP(BAND_INT,       BAND,   0, KIND_INT,   UOPF_FOLD,              "int & int")                                        \
  UOP(BOR_INT,        BOR,    0, KIND_INT,   UOPF_FOLD,              "int | int")                                        \
  UOP(BXOR_INT,       BXOR,   0, KIND_INT,   UOPF_FOLD,              "int ^ int")                                        \
  UOP(SHL_INT,        SHL,    0, KIND_INT,   UOPF_FOLD,              "int << int")                                       \
  UOP(SHR_INT,        SHR,    0, KIND_INT,   UOPF_FOLD,              "int >> int")                                       \
  UOP(NEG_INT,        NEG,    0, KIND_INT,   UOPF_FOLD,              "-int")                                             \
  UOP(ADD_FLOAT,      ADD,    0, KIND_FLOAT, UOPF_FOLD,              "float + float")                                    \
  UOP(SUB_FLOAT,      SUB,    0, KIND_FLOAT, UOPF_FOLD,              "float - float")                                    \
  UOP(MUL_FLOAT,      MUL,    0, KIND_FLOAT, UOPF_FOLD,              "float * float")                                    \
  UOP(DIV_FLOAT,      DIV,    0, KIND_FLOAT, UOPF_FOLD,              "float / float")                                    \
  UOP(NEG_FLOAT,      NEG,    0, KIND_FLOAT, UOPF_FOLD,              "-float")                                           \
  UOP(CONCAT_STRING,  ADD,    0, KIND_STR,   0,                      "string + string")                                  \
  UOP(COMPARE_INT,    LT,     0, KIND_BOOL,  UOPF_FOLD | UOPF_OPARG, "compare two ints; oparg is the comparison mask")   \
  UOP(COMPARE_FLOAT,  LT,     0, KIND_BOOL,  UOPF_FOLD | UOPF_OPARG, "compare two floats; oparg is the comparison mask") \
  UOP(NOT_BOOL,       NOT,    0, KIND_BOOL,  UOPF_FOLD,              "not of a bool")                                    \
  UOP(GET_ARRAY_INT,  GET,    0, KIND_ANY,   UOPF_RELEASES,                      "array[int]")                                       \
  UOP(GET_STRING_INT, GET,    0, KIND_STR,   0,                      "string[int]")                                      \
  UOP(SET_ARRAY_INT,  SET,    0, 0,          UOPF_RELEASES,                      "array[int] = v")                                   \
  UOP(LEN_ARRAY,      LEN,    0, KIND_INT,   UOPF_RELEASES,                      "len of an array")                                  \
  UOP(LEN_STRING,     LEN,    0, KIND_INT,   0,                      "len of a string")                                  \
  UOP(APPEND_ARRAY,   APPEND, 0, 0,          UOPF_RELEASES,                      "append to an array")                               \
  UOP(LOAD_ATTR_SLOT,         LOAD_ATTR,   0, KIND_ANY, UOPF_OPARG | UOPF_RELEASES, "the instance's attribute at slot oparg")         \
  UOP(LOAD_INSTANCE_CLASS_ATTR, LOAD_ATTR, 0, KIND_ANY, UOPF_OPARG | UOPF_RELEASES, "the attribute of the instance's class at oparg (depth << 16 | slot)") \
  UOP(LOAD_CLASS_ATTR,        LOAD_ATTR,   0, KIND_ANY, UOPF_OPARG | UOPF_RELEASES, "the class's attribute at oparg (depth << 16 | slot)") \
  UOP(LOAD_METHOD_SLOT,       LOAD_METHOD, 0, KIND_ANY, UOPF_OPARG, "the instance's attribute at slot oparg, under it") \
  UOP(LOAD_METHOD_CLASS_ATTR, LOAD_METHOD, 0, KIND_ANY, UOPF_OPARG, "the attribute of the instance's class at oparg, under it") \
  UOP(STORE_ATTR_SLOT,        STORE_ATTR,  0, 0,        UOPF_OPARG | UOPF_RELEASES, "set the instance's slot oparg")                  \
  UOP(STORE_ATTR_APPEND,      STORE_ATTR,  0, 0,        UOPF_OPARG | UOPF_KILLS_OBJECTS | UOPF_RELEASES, "add an attribute: the instance moves to shape oparg") \
  UOP(COMPARE_STRING,         LT,          0, KIND_BOOL, UOPF_OPARG, "compare two strings by their bytes; oparg is the comparison mask") \
  UOP(TRUTH_INT,              NOT,         0, KIND_BOOL, 0, "an int's truth: true unless 0") \
  UOP(TRUTH_STRING,           NOT,         0, KIND_BOOL, 0, "a string's truth: true unless empty (the string is released)") \
  UOP(TRUTH_ARRAY,            NOT,         0, KIND_BOOL, UOPF_RELEASES, "an array's truth: true unless empty (the array is released)") \
  UOP(TRUTH_FLOAT,            NOT,         0, KIND_BOOL, 0, "a float's truth: true unless 0.0 or -0.0 (NaN is true)") \
  UOP(TRUTH_MAP,              NOT,         0, KIND_BOOL, UOPF_RELEASES, "a map's truth: true unless it has no key (the map is released)") \
  UOP(TRUTH_NIL,              NOT,         0, KIND_BOOL, 0, "nil's truth: false") \
  UOP(MAP_GET_STRING,         GET,         0, KIND_ANY, UOPF_RELEASES, "map[string]: the entry at hint operand when it holds the key, else a lookup") \
  UOP(MAP_SET_STRING,         SET,         0, 0,        UOPF_RELEASES, "map[string] = v: the entry at hint operand when it holds the key, else a store") \
  UOP(MAP_HAS_STRING,         HAS,         0, KIND_BOOL, UOPF_RELEASES, "whether a map has a string key: true when the entry at hint operand holds it, else a lookup") \
  UOP(CELL_GET_CELL,          CELL_GET,    0, KIND_ANY, UOPF_RELEASES, "the value a cell holds") \
  UOP(CELL_SET_CELL,          CELL_SET,    0, 0,        UOPF_RELEASES | UOPF_CELL_WRITE, "a cell holds v from now on") \
  UOP(CALL_BUILTIN,           CALL,        0, KIND_ANY, UOPF_OPARG | UOPF_BUILTIN_CALL, "call builtin operand with oparg arguments: fuel, then its result")

/* Uops only the trace optimizer writes (vm/trace_optimize.c), where it has proven that a
   value holds no reference (the generic uop without its reference counting), or that a
   map has a key. */
#define TESSERA_PROVEN_UOPS(UOP)                                                                                   \
  UOP(LOAD_LOCAL_SCALAR,  LOAD_LOCAL,  0, KIND_ANY, 0, "push local oparg, which holds no reference")               \
  UOP(STORE_LOCAL_SCALAR, STORE_LOCAL, 0, 0,        0, "pop into local oparg, whose old value holds no reference") \
  UOP(POP_SCALAR,         POP,         0, 0,        0, "discard the top, which holds no reference") \
  UOP(MAP_HAS_KNOWN,      HAS,         0, KIND_BOOL, UOPF_RELEASES, "has of a string key the map is known to have: drop both, push true") \
  UOP(CALL_SQRT_FLOAT,    CALL,        0, KIND_FLOAT, UOPF_BUILTIN_CALL, "call of builtin sqrt on a float: fuel, then the root in place of the two")

typedef enum {
#define UOP(name, stack, needs, result, flags, doc) UOP_##name,
  TESSERA_UOPS(UOP)
#undef UOP
  UOP__COUNT
} UopId;

/* UOP_RELEASES_NAME: whether uop NAME has UOPF_RELEASES; UOP_FLAGS_NAME: its FLAGS.
   Constants for the interpreters, where a macro has the name but not the row. */
enum {
#define UOP(name, stack, needs, result, flags, doc) UOP_RELEASES_##name = ((flags)&UOPF_RELEASES) != 0,
  TESSERA_UOPS(UOP)
#undef UOP
};
enum {
#define UOP(name, stack, needs, result, flags, doc) UOP_FLAGS_##name = (flags),
  TESSERA_UOPS(UOP)
#undef UOP
};

/* Where each table begins in the numbering: generic uops are below UOP__GUARDS, guards
   from there up to UOP__ACTIONS, then the actions, then from UOP__PROVEN the proven uops. */
#define UOP_PLUS_ONE(name, stack, needs, result, flags, doc) +1
enum {
  UOP__GUARDS = 0 TESSERA_GENERIC_UOPS(UOP_PLUS_ONE),
  UOP__ACTIONS = UOP__GUARDS TESSERA_GUARD_UOPS(UOP_PLUS_ONE),
  UOP__PROVEN = UOP__ACTIONS TESSERA_ACTION_UOPS(UOP_PLUS_ONE)
};
#undef UOP_PLUS_ONE

/* The columns by uop, for code that has a uop id in hand (uops.c). */
typedef struct {
  Opcode stack;    /* STACK: the instruction whose stack effect it has */
  uint32_t needs;  /* NEEDS */
  uint8_t result;  /* RESULT */
  uint16_t flags;  /* FLAGS */
} UopInfo;

extern const UopInfo uop_info[UOP__COUNT];
extern const char *const uop_name[UOP__COUNT];

/* The instruction of each generic uop (-1 for the others) and the uop of each
   instruction whose BODY is UOP (-1 for control instructions), built from the tables
   (uops.c). */
extern const int16_t opcode_of_uop[UOP__COUNT];
extern const int16_t uop_of_opcode[OP__COUNT];

#define UOP_BODY(name) static inline UopStatus uop_##name(UopState *u, uint32_t oparg, uint64_t operand)
#define TOP(n) (u->sp[-1 - (ptrdiff_t)(n)])
#define HEAP (&u->vm->heap)

/* ---- Generic uops ---- */

UOP_BODY(NOP) { return UOP_OK; }
UOP_BODY(PUSH_NIL) { *u->sp++ = val_nil(); return UOP_OK; }
UOP_BODY(PUSH_TRUE) { *u->sp++ = val_bool(true); return UOP_OK; }
UOP_BODY(PUSH_FALSE) { *u->sp++ = val_bool(false); return UOP_OK; }
UOP_BODY(PUSH_INT) { *u->sp++ = val_int((int16_t)oparg); return UOP_OK; }
UOP_BODY(PUSH_FUNC) { *u->sp++ = val_func(oparg); return UOP_OK; }

UOP_BODY(PUSH_CONST) {
  Value v = val_load(&u->vm->consts[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(LOAD_LOCAL) {
  Value v = val_load(&u->locals[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

/* A store: the top popped into *slot, which takes its reference; the value it replaces
   is answered, for the caller to release (compiled code releases it apart:
   jit/template.c, DROP_APART_THEN). */
static inline Value uop_pop_into(UopState *u, Value *slot) {
  Value old = val_load(slot);
  val_store(slot, val_load(--u->sp));
  return old;
}

UOP_BODY(STORE_LOCAL) {
  val_decref(HEAP, uop_pop_into(u, &u->locals[oparg]));
  return UOP_OK;
}

UOP_BODY(LOAD_GLOBAL) {
  Value v = val_load(&u->vm->globals[oparg]);
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(STORE_GLOBAL) {
  Value old = uop_pop_into(u, &u->vm->globals[oparg]);
  u->vm->globals_version++;
  val_decref(HEAP, old);
  return UOP_OK;
}

UOP_BODY(POP) { val_decref(HEAP, val_load(--u->sp)); return UOP_OK; }

UOP_BODY(DUP) {
  Value v = val_load(&TOP(0));
  val_incref(v);
  val_store(u->sp++, v);
  return UOP_OK;
}

UOP_BODY(SWAP) {
  Value t = val_load(&TOP(0));
  val_store(&TOP(0), val_load(&TOP(1)));
  val_store(&TOP(1), t);
  return UOP_OK;
}

/* Replaces the two top values by r, releasing them. */
static inline void uop_replace2(UopState *u, Value r) {
  Value b = val_load(&TOP(0)), a = val_load(&TOP(1));
  u->sp -= 2;
  val_decref(HEAP, a);
  val_decref(HEAP, b);
  val_store(u->sp++, r);
}

/* Replaces the top value by r, releasing it. */
static inline void uop_replace1(UopState *u, Value r) {
  Value a = val_load(&TOP(0));
  val_store(&TOP(0), r);
  val_decref(HEAP, a);
}

typedef ErrorKind (*SemBinary)(VM *, Opcode, Value, Value, Value *);
typedef ErrorKind (*SemUnary)(VM *, Value, Value *);

static inline UopStatus uop_binary(UopState *u, SemBinary fn, Opcode op) {
  Value r;
  ErrorKind e = fn(u->vm, op, TOP(1), TOP(0), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

static inline UopStatus uop_unary(UopState *u, SemUnary fn) {
  Value r;
  ErrorKind e = fn(u->vm, TOP(0), &r);
  if (e) return e;
  uop_replace1(u, r);
  return UOP_OK;
}

/* x y -> r, and x y -> nothing (an effect on x): operations of two operands without
   an opcode of their own to tell apart. */
typedef ErrorKind (*SemPair)(VM *, Value, Value, Value *);
typedef ErrorKind (*SemPairEffect)(VM *, Value, Value);

static inline UopStatus uop_pair(UopState *u, SemPair fn) {
  Value r;
  ErrorKind e = fn(u->vm, TOP(1), TOP(0), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

static inline UopStatus uop_pair_effect(UopState *u, SemPairEffect fn) {
  ErrorKind e = fn(u->vm, TOP(1), TOP(0));
  if (e) return e;
  for (int i = 0; i < 2; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

typedef ErrorKind (*SemOfName)(VM *, Value, uint32_t, Value *);

static inline UopStatus uop_unary_named(UopState *u, SemOfName fn, uint32_t name) {
  Value r;
  ErrorKind e = fn(u->vm, TOP(0), name, &r);
  if (e) return e;
  uop_replace1(u, r);
  return UOP_OK;
}

/* Operator methods (docs/semantics.md section 23.7): when x is an instance whose class
   has op, the uop answers UOP_INVOKE (or the method's type error) and does nothing. */
static inline UopStatus uop_operator(UopState *u, Value x, OperatorId op, uint32_t argc, FrameRet ret, bool again) {
  ErrorKind e = ERR_NONE;
  if (!sem_operator(u->vm, x, op, argc, ret, again, &e)) return UOP_OK;
  return e ? (UopStatus)e : UOP_INVOKE;
}
#define TRY_OPERATOR(x, op, argc, ret, again)                                   \
  do {                                                                          \
    if (UNLIKELY(is_instance(x))) {                                             \
      UopStatus s_ = uop_operator(u, (x), (op), (argc), (ret), (again));        \
      if (s_ != UOP_OK) return s_;                                              \
    }                                                                           \
  } while (0)

UOP_BODY(ADD) {
  TRY_OPERATOR(TOP(1), OPM_ADD, 2, FRAME_RET_VALUE, false);
  return uop_binary(u, sem_arith, OP_ADD);
}
UOP_BODY(SUB) {
  TRY_OPERATOR(TOP(1), OPM_SUB, 2, FRAME_RET_VALUE, false);
  return uop_binary(u, sem_arith, OP_SUB);
}
UOP_BODY(MUL) { return uop_binary(u, sem_arith, OP_MUL); }
UOP_BODY(DIV) { return uop_binary(u, sem_arith, OP_DIV); }
UOP_BODY(IDIV) { return uop_binary(u, sem_arith, OP_IDIV); }
UOP_BODY(MOD) { return uop_binary(u, sem_arith, OP_MOD); }
UOP_BODY(NEG) { return uop_unary(u, sem_neg); }
UOP_BODY(BAND) { return uop_binary(u, sem_bitwise, OP_BAND); }
UOP_BODY(BOR) { return uop_binary(u, sem_bitwise, OP_BOR); }
UOP_BODY(BXOR) { return uop_binary(u, sem_bitwise, OP_BXOR); }
UOP_BODY(SHL) { return uop_binary(u, sem_bitwise, OP_SHL); }
UOP_BODY(SHR) { return uop_binary(u, sem_bitwise, OP_SHR); }
UOP_BODY(BNOT) { return uop_unary(u, sem_bnot); }
UOP_BODY(LT) {
  TRY_OPERATOR(TOP(1), OPM_LT, 2, FRAME_RET_VALUE, false);
  return uop_binary(u, sem_compare, OP_LT);
}
UOP_BODY(LE) { return uop_binary(u, sem_compare, OP_LE); }
UOP_BODY(GT) { return uop_binary(u, sem_compare, OP_GT); }
UOP_BODY(GE) { return uop_binary(u, sem_compare, OP_GE); }
UOP_BODY(EQ) {
  TRY_OPERATOR(TOP(1), OPM_EQ, 2, FRAME_RET_VALUE, false);
  uop_replace2(u, val_bool(sem_equal(TOP(1), TOP(0))));
  return UOP_OK;
}
UOP_BODY(NE) { uop_replace2(u, val_bool(!sem_equal(TOP(1), TOP(0)))); return UOP_OK; }
UOP_BODY(NOT) {
  TRY_OPERATOR(TOP(0), OPM_BOOL, 1, FRAME_RET_VALUE, true);
  uop_replace1(u, val_bool(!sem_truthy(TOP(0))));
  return UOP_OK;
}

UOP_BODY(ARRAY_NEW) {
  ObjArray *a = heap_new_array(HEAP, oparg);
  if (!a) return vm_fail(u->vm, ERR_HEAP, "heap limit reached");
  u->sp -= oparg;
  if (oparg) memcpy(a->items, u->sp, sizeof(Value) * oparg);  /* the array takes the references */
  a->len = oparg;
  *u->sp++ = val_obj(&a->obj);
  return UOP_OK;
}

UOP_BODY(GET) {
  TRY_OPERATOR(TOP(1), OPM_GET, 2, FRAME_RET_VALUE, false);
  Value r;
  ErrorKind e = sem_get(u->vm, TOP(1), TOP(0), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

UOP_BODY(SET) {
  TRY_OPERATOR(TOP(2), OPM_SET, 3, FRAME_RET_NOTHING, false);
  ErrorKind e = sem_set(u->vm, TOP(2), TOP(1), TOP(0));
  if (e) return e;
  for (int i = 0; i < 3; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(LEN) {
  TRY_OPERATOR(TOP(0), OPM_LEN, 1, FRAME_RET_VALUE, false);
  return uop_unary(u, sem_len);
}

UOP_BODY(APPEND) { return uop_pair_effect(u, sem_append); }

UOP_BODY(ARRAY_POP) { return uop_unary(u, sem_array_pop); }

UOP_BODY(ARRAY_REMOVE) { return uop_pair(u, sem_array_remove); }

UOP_BODY(MAP_NEW) {
  Value m;
  ErrorKind e = sem_map_new(u->vm, &m);
  if (e) return e;
  *u->sp++ = m;
  return UOP_OK;
}

UOP_BODY(HAS) { return uop_pair(u, sem_map_has); }
UOP_BODY(ITER) { return uop_unary(u, sem_iter); }

UOP_BODY(CELL_NEW) { return uop_unary(u, sem_cell_new); }
UOP_BODY(CELL_GET) { return uop_unary(u, sem_cell_get); }
UOP_BODY(CELL_SET) { return uop_pair_effect(u, sem_cell_set); }
UOP_BODY(CLOSURE) {
  Value r;
  ErrorKind e = sem_closure(u->vm, oparg, TOP(0), &r);
  if (e) return e;
  uop_replace1(u, r);
  return UOP_OK;
}
/* The callee slot is under local 0: the closure a call left there (main's reads as one
   of the nil slots under the stack, vm.h). */
UOP_BODY(LOAD_CAPTURE) {
  Value r;
  ErrorKind e = sem_load_capture(u->vm, val_load(&u->locals[-1]), &r);
  if (e) return e;
  val_store(u->sp++, r);
  return UOP_OK;
}

UOP_BODY(PUSH_BUILTIN) { *u->sp++ = val_builtin(oparg); return UOP_OK; }

/* FOR_ITER's step, for the interpreters, the uop interpreter and its stencils (it is
   control flow, not a uop): 1 when the next value was pushed above the iterator; 0
   when the iterator is done (marked done, popped and released: the jump or exit
   follows); -1 on an error (*err), with nothing changed.

   uop_for_iter_array .. uop_for_iter_string are the step for an iterator known to walk
   one kind (t1's forms FOR_ITER_ARRAY .. FOR_ITER_STRING, after their guard, and the
   trace ops they project to); uop_for_iter, the generic step, checks for an iterator
   and chooses one of them by its source. `before` runs first (a test-only fault's hook,
   or nothing). */
#define UOP_FOR_ITER_KIND(kind, before)                                      \
  static inline int uop_for_iter_##kind(UopState *u, ErrorKind *err) {       \
    ObjIter *it = as_iter(TOP(0));                                           \
    Value v;                                                                 \
    bool done = it->done;                                                    \
    before;                                                                  \
    if (!done && (*err = iter_step_##kind(u->vm, it, &v, &done))) return -1; \
    if (done) {                                                              \
      it->done = true;                                                       \
      val_decref(HEAP, val_load(--u->sp));                                   \
      return 0;                                                              \
    }                                                                        \
    val_store(u->sp++, v);                                                   \
    return 1;                                                                \
  }
UOP_FOR_ITER_KIND(array, (void)0)
UOP_FOR_ITER_KIND(range, (void)0)
/* Test-only fault (every tier but ref): the step trusts the number of keys it saw first
   (a size check hoisted out of the loop), so a map that changed size is walked on. */
UOP_FOR_ITER_KIND(map, if (u->vm->t1.fault == FAULT_ITER_MAP_UNCHECKED) it->start_len = as_map(it->source)->len)
UOP_FOR_ITER_KIND(string, (void)0)
#undef UOP_FOR_ITER_KIND

static inline int uop_for_iter(UopState *u, ErrorKind *err) {
  Value x = TOP(0);
  if (!is_iter(x)) {
    *err = vm_fail(u->vm, ERR_TYPE, "for_iter of %s, not an iterator", value_type_name(x));
    return -1;
  }
  Value s = as_iter(x)->source;
  if (is_array(s)) return uop_for_iter_array(u, err);
  if (is_string(s)) return uop_for_iter_string(u, err);
  if (is_map(s)) return uop_for_iter_map(u, err);
  return uop_for_iter_range(u, err);
}
UOP_BODY(DEL_KEY) { return uop_pair_effect(u, sem_map_delete); }

UOP_BODY(TO_INT) { return uop_unary(u, sem_to_int); }
UOP_BODY(TO_FLOAT) { return uop_unary(u, sem_to_float); }
UOP_BODY(TO_STR) {
  TRY_OPERATOR(TOP(0), OPM_STR, 1, FRAME_RET_VALUE, false);
  return uop_unary(u, sem_to_str);
}

UOP_BODY(PRINT) {
  ErrorKind e = sem_print(u->vm, TOP(0));
  if (e) return e;
  val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(PROBE) {
  sem_probe(u->vm, TOP(0));
  val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(CLASS) { return uop_unary_named(u, sem_new_class, oparg); }
/* load_attr and load_method in a trace: operand is the uop's attribute cache
   (vm/object.h; trace_executor.c gives every one its own), 0 in t1. An instance whose
   (shape, class version) an entry holds is read at the place the entry keeps; another
   instance fills an entry. Anything else, and an instance without the attribute, takes
   the generic way (sem_load_attr), which raises the error. Answers the value (owned), or
   false for the generic way. */
static inline bool uop_attr_cached(UopState *u, uint32_t name, uint64_t operand, Value *out) {
  Value x = TOP(0);
  if (!operand || !is_instance(x)) return false;
  AttrCache *c = (AttrCache *)(uintptr_t)operand;
  uint32_t where = attr_cache_where(c, as_instance(x));
  Value *place = where != ATTR_CACHE_MISS ? attr_cache_place(as_instance(x), where)
                                          : attr_cache_fill(u->vm, c, as_instance(x), name);
  if (!place) return false;
  *out = val_load(place);
  val_incref(*out);
  return true;
}

UOP_BODY(LOAD_ATTR) {
  Value v;
  if (uop_attr_cached(u, oparg, operand, &v)) {
    uop_replace1(u, v);
    return UOP_OK;
  }
  return uop_unary_named(u, sem_load_attr, oparg);
}

UOP_BODY(STORE_ATTR) {
  ErrorKind e = sem_store_attr(u->vm, TOP(0), oparg, TOP(1));
  if (e) return e;
  for (int i = 0; i < 2; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

UOP_BODY(DEL_ATTR) {
  ErrorKind e = sem_del_attr(u->vm, TOP(0), oparg);
  if (e) return e;
  val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

/* x -> v x for load_method: v (owned) takes x's slot, and x, with the stack's
   reference to it, moves above. */
static inline void uop_put_under(UopState *u, Value v) {
  Value x = val_load(&TOP(0));
  val_store(&TOP(0), v);
  val_store(u->sp++, x);
}

UOP_BODY(LOAD_METHOD) {
  Value r;
  if (uop_attr_cached(u, oparg, operand, &r)) {
    uop_put_under(u, r);
    return UOP_OK;
  }
  ErrorKind e = sem_load_attr(u->vm, TOP(0), oparg, &r);
  if (e) return e;
  uop_put_under(u, r);
  return UOP_OK;
}

UOP_BODY(SET_CLASS) { return uop_pair_effect(u, sem_set_class); }

/* ---- Guards ---- */

#define GUARD(cond) return (cond) ? UOP_OK : UOP_DEOPT
UOP_BODY(GUARD_INT_INT) { GUARD(TOP(0).kind == VAL_INT && TOP(1).kind == VAL_INT); }
UOP_BODY(GUARD_FLOAT_FLOAT) { GUARD(TOP(0).kind == VAL_FLOAT && TOP(1).kind == VAL_FLOAT); }
UOP_BODY(GUARD_STRING_STRING) { GUARD(is_string(TOP(0)) && is_string(TOP(1))); }
UOP_BODY(GUARD_INT) { GUARD(TOP(0).kind == VAL_INT); }
UOP_BODY(GUARD_FLOAT) { GUARD(TOP(0).kind == VAL_FLOAT); }
UOP_BODY(GUARD_BOOL) { GUARD(TOP(0).kind == VAL_BOOL); }
UOP_BODY(GUARD_ARRAY) { GUARD(is_array(TOP(0))); }
UOP_BODY(GUARD_STRING) { GUARD(is_string(TOP(0))); }
UOP_BODY(GUARD_ARRAY_INT) { GUARD(TOP(0).kind == VAL_INT && is_array(TOP(1))); }
UOP_BODY(GUARD_STRING_INT) { GUARD(TOP(0).kind == VAL_INT && is_string(TOP(1))); }
UOP_BODY(GUARD_ARRAY_INT_ANY) { GUARD(TOP(1).kind == VAL_INT && is_array(TOP(2))); }
UOP_BODY(GUARD_ARRAY_ANY) { GUARD(is_array(TOP(1))); }
UOP_BODY(GUARD_GLOBALS_VERSION) { GUARD(u->vm->globals_version == operand); }
UOP_BODY(GUARD_CALLEE) {
  Value f = TOP(oparg);
  GUARD(f.kind == VAL_FUNC && f.as.fn == operand);
}
UOP_BODY(GUARD_SHAPE) { GUARD(is_instance(TOP(0)) && as_instance(TOP(0))->shape == operand); }
/* Versions are unique among classes: one compare checks which class and that it has not
   changed (vm/object.h). Version 0 is never cached, so never matches a live class's. */
UOP_BODY(GUARD_SHAPE_CLASS) {
  GUARD(is_instance(TOP(0)) && as_instance(TOP(0))->shape == (uint32_t)operand &&
        as_instance(TOP(0))->cls->version == (uint32_t)(operand >> 32));
}
UOP_BODY(GUARD_CLASS_VERSION) { GUARD(is_class(TOP(0)) && as_class(TOP(0))->version == operand); }
UOP_BODY(GUARD_MAP_STRING) { GUARD(is_string(TOP(0)) && is_map(TOP(1))); }
UOP_BODY(GUARD_MAP_STRING_ANY) { GUARD(is_string(TOP(1)) && is_map(TOP(2))); }
UOP_BODY(GUARD_NIL) { GUARD(TOP(0).kind == VAL_NIL); }
UOP_BODY(GUARD_MAP) { GUARD(is_map(TOP(0))); }
UOP_BODY(GUARD_ITER_ARRAY) { GUARD(is_iter(TOP(0)) && is_array(as_iter(TOP(0))->source)); }
UOP_BODY(GUARD_ITER_RANGE) { GUARD(is_iter(TOP(0)) && as_iter(TOP(0))->source.kind == VAL_INT); }
UOP_BODY(GUARD_ITER_MAP) { GUARD(is_iter(TOP(0)) && is_map(as_iter(TOP(0))->source)); }
UOP_BODY(GUARD_ITER_STRING) { GUARD(is_iter(TOP(0)) && is_string(as_iter(TOP(0))->source)); }
UOP_BODY(GUARD_CELL) { GUARD(is_cell(TOP(0))); }
UOP_BODY(GUARD_CELL_UNDER) { GUARD(is_cell(TOP(1))); }
UOP_BODY(GUARD_CLOSURE_CALLEE) {
  Value f = TOP(oparg);
  GUARD(is_closure(f) && as_closure(f)->fn == operand);
}
/* The version says which class, and that its init (found when t1 specialized) is
   still the function cached with it (vm/object.h: versions). */
UOP_BODY(GUARD_CLASS_CALLEE) {
  Value c = TOP(oparg);
  GUARD(is_class(c) && as_class(c)->version == (uint32_t)operand);
}
UOP_BODY(GUARD_BUILTIN) {
  Value f = TOP(oparg);
  /* test-only fault: which builtin is not checked, only that it is one */
  GUARD(f.kind == VAL_BUILTIN && (f.as.fn == operand || u->vm->t1.fault == FAULT_BUILTIN_GUARD_KIND));
}
#undef GUARD

/* ---- Specialized actions (operand types already guarded) ---- */

/* Ints and floats own no references: the result simply overwrites the operands. The
   rule itself (wrap-around, zero divisors, shift counts) is semantics.h's. */
static inline UopStatus uop_int_op(UopState *u, Opcode op) {
  int64_t r;
  ErrorKind e = sem_int_op(u->vm, op, TOP(1).as.i, TOP(0).as.i, &r);
  if (e) return e;
  u->sp--;
  TOP(0) = val_int(r);
  return UOP_OK;
}

UOP_BODY(ADD_INT) { return uop_int_op(u, OP_ADD); }
UOP_BODY(SUB_INT) { return uop_int_op(u, OP_SUB); }
UOP_BODY(MUL_INT) { return uop_int_op(u, OP_MUL); }
UOP_BODY(IDIV_INT) { return uop_int_op(u, OP_IDIV); }
UOP_BODY(MOD_INT) { return uop_int_op(u, OP_MOD); }
UOP_BODY(BAND_INT) { return uop_int_op(u, OP_BAND); }
UOP_BODY(BOR_INT) { return uop_int_op(u, OP_BOR); }
UOP_BODY(BXOR_INT) { return uop_int_op(u, OP_BXOR); }
UOP_BODY(SHL_INT) { return uop_int_op(u, OP_SHL); }
UOP_BODY(SHR_INT) { return uop_int_op(u, OP_SHR); }
UOP_BODY(NEG_INT) { TOP(0) = val_int(sem_wrap_neg(TOP(0).as.i)); return UOP_OK; }

static inline UopStatus uop_float_op(UopState *u, Opcode op) {
  double r;
  ErrorKind e = sem_float_op(u->vm, op, TOP(1).as.f, TOP(0).as.f, &r);
  if (e) return e;
  u->sp--;
  TOP(0) = val_float(r);
  return UOP_OK;
}

UOP_BODY(ADD_FLOAT) { return uop_float_op(u, OP_ADD); }
UOP_BODY(SUB_FLOAT) { return uop_float_op(u, OP_SUB); }
UOP_BODY(MUL_FLOAT) { return uop_float_op(u, OP_MUL); }
UOP_BODY(DIV_FLOAT) { return uop_float_op(u, OP_DIV); }

UOP_BODY(NEG_FLOAT) { TOP(0) = val_float(-TOP(0).as.f); return UOP_OK; }

UOP_BODY(CONCAT_STRING) {
  Value r;
  ErrorKind e = sem_concat(u->vm, as_string(TOP(1)), as_string(TOP(0)), &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

/* Comparison masks: bit (c + 1) of the mask is the result when the comparison c is
   -1 (less), 0 (equal), 1 (greater) or 2 (unordered: a NaN). */
#define CMP_MASK_LT 0x1u
#define CMP_MASK_EQ 0x2u
#define CMP_MASK_GT 0x4u
#define CMP_MASK_UNORDERED 0x8u
static inline uint32_t cmp_mask_of(Opcode op) {
  switch (op) {
  case OP_LT: return CMP_MASK_LT;
  case OP_LE: return CMP_MASK_LT | CMP_MASK_EQ;
  case OP_EQ: return CMP_MASK_EQ;
  case OP_NE: return CMP_MASK_LT | CMP_MASK_GT | CMP_MASK_UNORDERED;
  case OP_GT: return CMP_MASK_GT;
  case OP_GE: return CMP_MASK_GT | CMP_MASK_EQ;
  default: UNREACHABLE();
  }
}

/* Whether x and y compare as mask says, the mask's bit picked by comparisons rather
   than by an index computed from them (bit c + 1): for a mask the compiler knows (the
   JIT's variants, jit/jit.h) the whole test folds to the one comparison, a setl. */
static inline bool cmp_int_holds(uint32_t mask, int64_t x, int64_t y) {
  return (mask & (x < y ? CMP_MASK_LT : x == y ? CMP_MASK_EQ : CMP_MASK_GT)) != 0;
}
static inline bool cmp_float_holds(uint32_t mask, double x, double y) {
  return (mask & (1u << (sem_cmp_float(x, y) + 1))) != 0;  /* NaNs: docs/semantics.md's rule, one place */
}

UOP_BODY(COMPARE_INT) {
  bool r = cmp_int_holds(oparg, TOP(1).as.i, TOP(0).as.i);
  u->sp--;
  TOP(0) = val_bool(r);
  return UOP_OK;
}

UOP_BODY(COMPARE_FLOAT) {
  bool r = cmp_float_holds(oparg, TOP(1).as.f, TOP(0).as.f);
  u->sp--;
  TOP(0) = val_bool(r);
  return UOP_OK;
}

UOP_BODY(NOT_BOOL) { TOP(0) = val_bool(!TOP(0).as.b); return UOP_OK; }

UOP_BODY(COMPARE_STRING) {
  int c = sem_cmp_string(as_string(TOP(1)), as_string(TOP(0)));
  uop_replace2(u, val_bool((oparg >> (c + 1)) & 1));
  return UOP_OK;
}

/* Truth by kind, for the conditional jumps' forms: the top becomes its truth as a bool,
   which the form's BRANCH tail then pops. */
UOP_BODY(TRUTH_INT) {
  TOP(0) = val_bool(TOP(0).as.i != 0);
  return UOP_OK;
}
UOP_BODY(TRUTH_STRING) {
  uop_replace1(u, val_bool(as_string(TOP(0))->len != 0));
  return UOP_OK;
}
UOP_BODY(TRUTH_ARRAY) {
  uop_replace1(u, val_bool(as_array(TOP(0))->len != 0));
  return UOP_OK;
}
UOP_BODY(TRUTH_FLOAT) {
  TOP(0) = val_bool(TOP(0).as.f != 0.0);
  return UOP_OK;
}
UOP_BODY(TRUTH_MAP) {
  uop_replace1(u, val_bool(as_map(TOP(0))->len != 0));
  return UOP_OK;
}
UOP_BODY(TRUTH_NIL) {
  TOP(0) = val_bool(false);
  return UOP_OK;
}

UOP_BODY(GET_ARRAY_INT) {
  ObjArray *a = as_array(TOP(1));
  int64_t i = TOP(0).as.i;
  ErrorKind e = sem_check_bounds(u->vm, i, a->len);
  if (e) return e;
  Value r = val_load(&a->items[i]);
  val_incref(r);
  uop_replace2(u, r);
  return UOP_OK;
}

UOP_BODY(GET_STRING_INT) { return uop_GET(u, oparg, operand); }

/* SET_ARRAY_INT up to its releases: the checked store, the three popped; *old is the
   element replaced and *a the array, whose counts the caller drops, old's first (the
   JIT's stencil drops them its own way, jit/template.c). */
static inline ErrorKind uop_set_array_int_store(UopState *u, Value *old, ObjArray **a) {
  *a = as_array(TOP(2));
  int64_t i = TOP(1).as.i;
  ErrorKind e = sem_check_bounds(u->vm, i, (*a)->len);
  if (e) return e;
  *old = val_load(&(*a)->items[i]);
  val_store(&(*a)->items[i], val_load(&TOP(0)));  /* the array takes the stack's reference to v */
  u->sp -= 3;
  return ERR_NONE;
}

UOP_BODY(SET_ARRAY_INT) {
  Value old;
  ObjArray *a;
  ErrorKind e = uop_set_array_int_store(u, &old, &a);
  if (e) return e;
  val_decref(HEAP, old);
  val_decref(HEAP, val_obj(&a->obj));
  return UOP_OK;
}

UOP_BODY(LEN_ARRAY) { uop_replace1(u, val_int(as_array(TOP(0))->len)); return UOP_OK; }
UOP_BODY(LEN_STRING) { uop_replace1(u, val_int(as_string(TOP(0))->len)); return UOP_OK; }

UOP_BODY(APPEND_ARRAY) {
  if (!heap_array_push(HEAP, as_array(TOP(1)), TOP(0))) return vm_fail(u->vm, ERR_HEAP, "heap limit reached");
  u->sp -= 2;  /* the array took v's reference */
  val_decref(HEAP, u->sp[0]);
  return UOP_OK;
}

/* Attributes at places a guard proved: a slot of the instance on top, or (oparg:
   depth << 16 | slot) an attribute of a class. */
static inline Value uop_class_attr(ObjClass *c, uint32_t where) {
  Value v = val_load(class_attr_at(c, where));
  val_incref(v);
  return v;
}

UOP_BODY(LOAD_ATTR_SLOT) {
  Value v = val_load(&as_instance(TOP(0))->slots[oparg]);
  val_incref(v);
  uop_replace1(u, v);
  return UOP_OK;
}

UOP_BODY(LOAD_INSTANCE_CLASS_ATTR) { uop_replace1(u, uop_class_attr(as_instance(TOP(0))->cls, oparg)); return UOP_OK; }
UOP_BODY(LOAD_CLASS_ATTR) { uop_replace1(u, uop_class_attr(as_class(TOP(0)), oparg)); return UOP_OK; }

UOP_BODY(LOAD_METHOD_SLOT) {
  Value v = val_load(&as_instance(TOP(0))->slots[oparg]);
  val_incref(v);
  uop_put_under(u, v);
  return UOP_OK;
}

UOP_BODY(LOAD_METHOD_CLASS_ATTR) {
  uop_put_under(u, uop_class_attr(as_instance(TOP(0))->cls, oparg));
  return UOP_OK;
}

UOP_BODY(STORE_ATTR_SLOT) {
  ObjInstance *o = as_instance(TOP(0));
  Value old = val_load(&o->slots[oparg]);
  val_store(&o->slots[oparg], val_load(&TOP(1)));  /* the instance takes the stack's reference */
  u->sp -= 2;
  val_decref(HEAP, old);
  val_decref(HEAP, val_obj(&o->obj));
  return UOP_OK;
}

UOP_BODY(STORE_ATTR_APPEND) {
  ObjInstance *o = as_instance(TOP(0));
  if (!heap_instance_reserve(HEAP, o)) return vm_fail(u->vm, ERR_HEAP, "heap limit reached");
  val_store(&o->slots[o->len++], val_load(&TOP(1)));
  o->shape = oparg;
  u->sp -= 2;
  val_decref(HEAP, val_obj(&o->obj));
  return UOP_OK;
}

/* Map lookups with a string key through the entry where t1 found the key (the hint, in
   the operand): vm/map.c checks that the entry still holds it. */
static inline UopStatus uop_pair_hinted(UopState *u, ErrorKind (*fn)(VM *, Value, Value, uint32_t, Value *),
                                        uint64_t hint) {
  Value r;
  ErrorKind e = fn(u->vm, TOP(1), TOP(0), (uint32_t)hint, &r);
  if (e) return e;
  uop_replace2(u, r);
  return UOP_OK;
}

UOP_BODY(MAP_GET_STRING) { return uop_pair_hinted(u, sem_map_get_hinted, operand); }
UOP_BODY(MAP_HAS_STRING) { return uop_pair_hinted(u, sem_map_has_hinted, operand); }

UOP_BODY(MAP_SET_STRING) {
  ErrorKind e = sem_map_set_hinted(u->vm, TOP(2), TOP(1), TOP(0), (uint32_t)operand);
  if (e) return e;
  for (int i = 0; i < 3; i++) val_decref(HEAP, *--u->sp);
  return UOP_OK;
}

/* A cell's value, read and written after the guard proved the cell. */
UOP_BODY(CELL_GET_CELL) {
  Value v = as_cell(TOP(0))->value;
  val_incref(v);
  uop_replace1(u, v);
  return UOP_OK;
}
/* CELL_SET_CELL up to its releases: the store, the two popped; *old is the value
   replaced and *c the cell, whose counts the caller drops, old's first (the JIT's
   stencil drops them its own way, jit/template.c). */
static inline void uop_cell_set_cell_store(UopState *u, Value *old, ObjCell **c) {
  *c = as_cell(TOP(1));
  *old = val_load(&(*c)->value);
  val_store(&(*c)->value, val_load(&TOP(0)));  /* the popped value's reference moves into the cell */
  u->sp -= 2;
}
UOP_BODY(CELL_SET_CELL) {
  Value old;
  ObjCell *c;
  uop_cell_set_cell_store(u, &old, &c);
  val_decref(HEAP, old);
  val_decref(HEAP, val_obj(&c->obj));
  return UOP_OK;
}

/* A call of builtin operand with oparg arguments, its callee and arity already checked
   (by CALL in the interpreters, by GUARD_BUILTIN elsewhere): one unit of fuel, as every
   call, then the builtin's own checks (a failing builtin charges none). The arguments
   are released, the builtin (no reference) is overwritten by the result. */
UOP_BODY(CALL_BUILTIN) {
  if (UNLIKELY(!fuel_left(u->vm))) return fuel_exhausted(u->vm);
  Value r;
  ErrorKind e = sem_builtin(u->vm, (BuiltinId)operand, u->sp - oparg, &r);
  if (e) return e;
  u->vm->fuel_used++;
  for (uint32_t i = 0; i < oparg; i++) val_decref(HEAP, val_load(--u->sp));
  val_store(&TOP(0), r);
  return UOP_OK;
}

/* ---- Proven uops ---- */

UOP_BODY(LOAD_LOCAL_SCALAR) { val_store(u->sp++, val_load(&u->locals[oparg])); return UOP_OK; }
/* The popped value's reference, if it has one, moves into the local. */
UOP_BODY(STORE_LOCAL_SCALAR) { val_store(&u->locals[oparg], val_load(--u->sp)); return UOP_OK; }
UOP_BODY(POP_SCALAR) { u->sp--; return UOP_OK; }
UOP_BODY(MAP_HAS_KNOWN) {
  uop_replace2(u, val_bool(true));
  return UOP_OK;
}
/* sqrt of a float the optimizer proved, called through a builtin it proved sqrt. */
UOP_BODY(CALL_SQRT_FLOAT) {
  ErrorKind e = fuel_charge(u->vm, 1);  /* the call's unit; nothing else can fail */
  if (e) return e;
  double x = TOP(0).as.f;
  u->sp--;
  TOP(0) = val_float(sem_sqrt(x));
  return UOP_OK;
}

#undef TOP
#undef HEAP

#endif
