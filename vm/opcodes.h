/* opcodes.h: the instruction set, defined once.
 *
 * Every instruction is one line of TESSERA_OPCODES:
 *   OP(NAME, FORMAT, POPS, PUSHES, FLAGS, BODY, T1, "meaning")
 *   POPS, PUSHES  the stack effect; they may use `a`, the decoded operand (CALL pops a+1)
 *   FLAGS         control flow: OPF_BRANCH, OPF_BACK, OPF_STOP, OPF_BRANCH_POPS (below),
 *                 or 0
 *   BODY          UOP: the instruction is the generic uop of the same name (uops.h);
 *                 CTRL: control flow, each tier's own business (every instruction with a
 *                 flag, and CALL)
 *   T1            ADAPTIVE: tier 1 counts it down and specializes it (specialize.h);
 *                 FIXED: it always runs as it is
 * The enum, mnemonics, operand sizes, verifier stack effects, assembler, disassembler,
 * every interpreter's dispatch table and handlers, the uop of each instruction and
 * which instructions adapt are derived by re-including this table; the facts as
 * constants for such tables are OP_SIZE_NAME, OP_HAS_UOP_NAME and OP_ADAPTIVE_NAME.
 *
 * Encoding: one opcode byte, then the operand in little-endian order.
 *
 *   +--------+------------------+
 *   | opcode | operand (0-2 B)  |
 *   +--------+------------------+
 *
 * Jumps are relative to the next instruction. JUMP, JUMP_IF_FALSE and JUMP_IF_TRUE go
 * forward only; LOOP is the only backward edge (the loop edge: it costs one unit of fuel
 * and is where later tiers count hotness). So every cycle in a function passes a LOOP.
 */
#ifndef TESSERA_OPCODES_H
#define TESSERA_OPCODES_H

#include "common.h"

/* FMT(NAME, bytes, "what the operand names") */
#define TESSERA_FORMATS(FMT)                                          \
  FMT(NONE, 0, "no operand")                                          \
  FMT(I16, 2, "signed 16-bit integer")                                \
  FMT(CONST, 2, "constant pool index")                                \
  FMT(FUNC, 2, "function index")                                      \
  FMT(LOCAL, 2, "local slot index")                                   \
  FMT(GLOBAL, 2, "global index")                                      \
  FMT(JUMP, 2, "forward offset from the next instruction")            \
  FMT(LOOP, 2, "backward offset from the next instruction")           \
  FMT(ARGC, 1, "argument count")                                      \
  FMT(COUNT, 2, "element count")                                      \
  FMT(NAME, 2, "string constant: an attribute or class name")         \
  FMT(BUILTIN, 1, "builtin number (vm/builtin.h)")

typedef enum {
#define FMT(name, size, doc) FMT_##name,
  TESSERA_FORMATS(FMT)
#undef FMT
  FMT__COUNT
} OperandFormat;

/* Flags. */
#define OPF_BRANCH 1u  /* forward jump: operand is a JUMP offset                 */
#define OPF_BACK 2u    /* backward jump: operand is a LOOP offset                */
#define OPF_STOP 4u    /* control never falls through to the next instruction    */
#define OPF_BRANCH_POPS 8u  /* on the jump edge the operands are popped and nothing is
                               pushed (PUSHES is the fall-through's): for_iter when done */

#define TESSERA_OPCODES(OP)                                                                                                 \
  OP(NOP,           NONE,   0,     0, 0,                    UOP,  FIXED,    "do nothing")                                   \
  OP(PUSH_NIL,      NONE,   0,     1, 0,                    UOP,  FIXED,    "push nil")                                     \
  OP(PUSH_TRUE,     NONE,   0,     1, 0,                    UOP,  FIXED,    "push true")                                    \
  OP(PUSH_FALSE,    NONE,   0,     1, 0,                    UOP,  FIXED,    "push false")                                   \
  OP(PUSH_INT,      I16,    0,     1, 0,                    UOP,  FIXED,    "push the operand as an int")                   \
  OP(PUSH_CONST,    CONST,  0,     1, 0,                    UOP,  FIXED,    "push constant a (int, float or string)")       \
  OP(PUSH_FUNC,     FUNC,   0,     1, 0,                    UOP,  FIXED,    "push function a as a value")                   \
  OP(LOAD_LOCAL,    LOCAL,  0,     1, 0,                    UOP,  FIXED,    "push local a")                                 \
  OP(STORE_LOCAL,   LOCAL,  1,     0, 0,                    UOP,  FIXED,    "pop into local a")                             \
  OP(LOAD_GLOBAL,   GLOBAL, 0,     1, 0,                    UOP,  ADAPTIVE, "push global a")                                \
  OP(STORE_GLOBAL,  GLOBAL, 1,     0, 0,                    UOP,  FIXED,    "pop into global a")                            \
  OP(POP,           NONE,   1,     0, 0,                    UOP,  FIXED,    "discard the top value")                        \
  OP(DUP,           NONE,   1,     2, 0,                    UOP,  FIXED,    "duplicate the top value")                      \
  OP(SWAP,          NONE,   2,     2, 0,                    UOP,  FIXED,    "exchange the two top values")                  \
  OP(ADD,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x + y: numbers add, strings concatenate")      \
  OP(SUB,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x - y")                                        \
  OP(MUL,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x * y")                                        \
  OP(DIV,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x / y as floats (true division)")              \
  OP(IDIV,          NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x // y, rounded toward negative infinity")     \
  OP(MOD,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x % y, with the sign of y")                    \
  OP(NEG,           NONE,   1,     1, 0,                    UOP,  ADAPTIVE, "-x")                                           \
  OP(BAND,          NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x & y (ints)")                                 \
  OP(BOR,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x | y (ints)")                                 \
  OP(BXOR,          NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x ^ y (ints)")                                 \
  OP(SHL,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x << y (ints, bits shifted out are lost)")     \
  OP(SHR,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x >> y (ints, arithmetic)")                    \
  OP(BNOT,          NONE,   1,     1, 0,                    UOP,  FIXED,    "~x (ints)")                                    \
  OP(EQ,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x == y")                                       \
  OP(NE,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x != y")                                       \
  OP(LT,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x < y (numbers or strings)")                   \
  OP(LE,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x <= y")                                       \
  OP(GT,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x > y")                                        \
  OP(GE,            NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x >= y")                                       \
  OP(NOT,           NONE,   1,     1, 0,                    UOP,  ADAPTIVE, "true if x is falsy, else false")               \
  OP(JUMP,          JUMP,   0,     0, OPF_BRANCH | OPF_STOP, CTRL, FIXED,    "jump forward by a")                           \
  OP(JUMP_IF_FALSE, JUMP,   1,     0, OPF_BRANCH,           CTRL, ADAPTIVE, "pop; jump forward by a if falsy")              \
  OP(JUMP_IF_TRUE,  JUMP,   1,     0, OPF_BRANCH,           CTRL, ADAPTIVE, "pop; jump forward by a if truthy")             \
  OP(LOOP,          LOOP,   0,     0, OPF_BACK | OPF_STOP,  CTRL, FIXED,    "jump back by a; costs 1 fuel")                 \
  OP(CALL,          ARGC,   a + 1, 1, 0,                    CTRL, ADAPTIVE, "call f(a args) under them; costs 1 fuel")      \
  OP(RETURN,        NONE,   1,     0, OPF_STOP,             CTRL, FIXED,    "return the top value to the caller")           \
  OP(ARRAY_NEW,     COUNT,  a,     1, 0,                    UOP,  FIXED,    "pop a values into a new array, deepest first") \
  OP(GET,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE, "x[i] for an array or string x and int i")      \
  OP(SET,           NONE,   3,     0, 0,                    UOP,  ADAPTIVE, "x[i] = v for an array x and int i")            \
  OP(LEN,           NONE,   1,     1, 0,                    UOP,  ADAPTIVE, "length of an array or string")                 \
  OP(APPEND,        NONE,   2,     0, 0,                    UOP,  ADAPTIVE, "append v to array x")                          \
  OP(TO_INT,        NONE,   1,     1, 0,                    UOP,  FIXED,    "convert to int")                               \
  OP(TO_FLOAT,      NONE,   1,     1, 0,                    UOP,  FIXED,    "convert to float")                             \
  OP(TO_STR,        NONE,   1,     1, 0,                    UOP,  FIXED,    "convert to string")                            \
  OP(PRINT,         NONE,   1,     0, 0,                    UOP,  FIXED,    "pop and print x and a newline")                \
  OP(PROBE,         NONE,   1,     0, 0,                    UOP,  FIXED,    "pop x and fold it into the probe checksum")     \
  OP(CLASS,         NAME,   1,     1, 0,                    UOP,  FIXED,    "pop a base (nil or a class); push a new class named a") \
  OP(LOAD_ATTR,     NAME,   1,     1, 0,                    UOP,  ADAPTIVE, "pop x; push its attribute a")                  \
  OP(STORE_ATTR,    NAME,   2,     0, 0,                    UOP,  ADAPTIVE, "pop x, then v; set x's attribute a to v")      \
  OP(DEL_ATTR,      NAME,   1,     0, 0,                    UOP,  FIXED,    "pop x; delete x's own attribute a")            \
  OP(LOAD_METHOD,   NAME,   1,     2, 0,                    UOP,  ADAPTIVE, "pop x; push its attribute a, then x again")    \
  OP(SET_CLASS,     NONE,   2,     0, 0,                    UOP,  FIXED,    "pop a class, then an instance: its new class") \
  OP(ARRAY_POP,     NONE,   1,     1, 0,                    UOP,  FIXED,    "remove the last element of array x; push it")  \
  OP(ARRAY_REMOVE,  NONE,   2,     1, 0,                    UOP,  FIXED,    "remove element i of array x (later ones move down); push it") \
  OP(MAP_NEW,       NONE,   0,     1, 0,                    UOP,  FIXED,    "push a new empty map")                         \
  OP(HAS,           NONE,   2,     1, 0,                    UOP,  ADAPTIVE,   "whether map m has key k")                      \
  OP(DEL_KEY,       NONE,   2,     0, 0,                    UOP,  FIXED,    "remove key k and its value from map m")        \
  OP(ITER,          NONE,   1,     1, 0,                    UOP,  FIXED,    "an iterator over x: array, string, map keys, or 0 .. x-1") \
  OP(FOR_ITER,      JUMP,   1,     2, OPF_BRANCH | OPF_BRANCH_POPS, CTRL, ADAPTIVE, "push its next value above it; when done, pop it and jump forward by a") \
  OP(RAISE,         NONE,   1,     0, OPF_STOP,             CTRL, FIXED,    "raise x: the innermost handler gets it (an int that is a catchable error's code raises that error)") \
  OP(CELL_NEW,      NONE,   1,     1, 0,                    UOP,  FIXED,    "a new cell holding x")                         \
  OP(CELL_GET,      NONE,   1,     1, 0,                    UOP,  ADAPTIVE, "the value cell c holds")                       \
  OP(CELL_SET,      NONE,   2,     0, 0,                    UOP,  ADAPTIVE, "pop c, then v (v on top): cell c holds v from now on") \
  OP(CLOSURE,       FUNC,   1,     1, 0,                    UOP,  FIXED,    "a closure of function a capturing x")          \
  OP(LOAD_CAPTURE,  NONE,   0,     1, 0,                    UOP,  FIXED,    "push what the running closure captured") \
  OP(PUSH_BUILTIN,  BUILTIN, 0,    1, 0,                    UOP,  FIXED,    "push builtin a as a value")

typedef enum {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) OP_##name,
  TESSERA_OPCODES(OP)
#undef OP
  OP__COUNT
} Opcode;

STATIC_ASSERT(OP__COUNT <= 256, "opcodes must fit one byte");

/* Compile-time lengths, so interpreters decode with constants: OP_SIZE_ADD == 1. */
enum {
#define FMT(name, size, doc) FMT_SIZE_##name = size,
  TESSERA_FORMATS(FMT)
#undef FMT
};
enum {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) OP_SIZE_##name = 1 + FMT_SIZE_##fmt,
  TESSERA_OPCODES(OP)
#undef OP
};

/* The BODY and T1 columns as constants: OP_HAS_UOP_ADD == 1, OP_ADAPTIVE_ADD == 1. */
#define OPC_BODY_UOP 1
#define OPC_BODY_CTRL 0
#define OPC_T1_ADAPTIVE 1
#define OPC_T1_FIXED 0
enum {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) \
  OP_HAS_UOP_##name = OPC_BODY_##body, OP_ADAPTIVE_##name = OPC_T1_##t1,
  TESSERA_OPCODES(OP)
#undef OP
};

/* A jump, a loop or a stop is control flow: never a uop. */
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) \
  STATIC_ASSERT((flags) == 0 || !OP_HAS_UOP_##name, #name " has control flags: its BODY must be CTRL");
TESSERA_OPCODES(OP)
#undef OP

typedef struct {
  const char *name;     /* mnemonic, lower case */
  OperandFormat format;
  uint8_t flags;
  const char *doc;
} OpInfo;

extern const OpInfo op_info[OP__COUNT];
extern const uint8_t format_size[FMT__COUNT];
extern const char *const format_doc[FMT__COUNT];

/* Stack effect of one instruction with operand a. */
int op_pops(Opcode op, uint32_t a);
int op_pushes(Opcode op, uint32_t a);
/* The stack depth after op on its jump edge, from depth d before it. */
int op_branch_depth(Opcode op, uint32_t a, int d);

/* Instruction length in bytes, including the opcode. */
static inline uint32_t op_length(Opcode op) { return 1u + format_size[op_info[op].format]; }
/* The values an operand can encode: I16 is signed, ARGC one byte, the rest two unsigned
   bytes. */
static inline int64_t format_min(OperandFormat f) { return f == FMT_I16 ? -32768 : 0; }
static inline int64_t format_max(OperandFormat f) {
  return f == FMT_I16 ? 32767 : f == FMT_ARGC || f == FMT_BUILTIN ? 255 : 65535;
}

/* Reads the operand of the instruction at code[pc] (the caller guarantees it is whole). */
static inline uint32_t op_operand(const uint8_t *code, uint32_t pc) {
  switch (format_size[op_info[code[pc]].format]) {
  case 0: return 0;
  case 1: return code[pc + 1];
  default: return (uint32_t)code[pc + 1] | ((uint32_t)code[pc + 2] << 8);
  }
}

/* Looks a mnemonic up; returns -1 when unknown. */
int op_from_name(const char *name, size_t len);

#endif
