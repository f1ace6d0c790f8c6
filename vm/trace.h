/* trace.h: tier 2: traces of micro-ops, the executors that run them, and their
 * statistics (CPython 3.12/3.13's tier 2, done small).
 *
 *   t1 LOOP gets hot ──> trace_project (trace_project.c)
 *        t1's quickened code from the loop head, each instruction expanded into its
 *        uops, each conditional jump a BRANCH in the direction t1 saw most, small calls
 *        inlined as real frames; the trace closes the loop, links to another loop's
 *        executor, or exits
 *   ──> trace_optimize (trace_optimize.c; not in t2-noopt)
 *   ──> an executor, entered from that LOOP; trace_run (trace_run.c) runs it with the
 *        same uop bodies t1 runs
 *   ──> an exit resumes t1 at the exit's instruction with the exact state ref would
 *        have there; an exit taken often gets its own trace (a side trace), linked to it
 *
 * Exactness: a trace works on the VM's own stack, locals and frames, every uop keeps
 * them as the bytecode would at its boundary, and every uop carries the offset of the
 * instruction it belongs to, so an exit or an error needs no state rebuilt and no
 * instruction-pointer updates are ever executed. */
#ifndef TESSERA_TRACE_H
#define TESSERA_TRACE_H

#include <string.h>

#include "frames.h"
#include "jit_abi.h"
#include "specialize.h"
#include "uops.h"
#include "vm.h"

/* The trace's own control ops; their ids follow the uops' (TraceOp covers both).
   TRACE_OP(NAME, "meaning") */
#define TESSERA_TRACE_OPS(TRACE_OP)                                                                   \
  TRACE_OP(BRANCH, "pop; exit unless its truthiness is oparg (a jump in the direction t1 saw most)") \
  TRACE_OP(BRANCH_BOOL, "branch on a value the optimizer proved a bool: no truthiness test, no release") \
  TRACE_OP(BRANCH_COMPARE_INT, "pop two ints and compare them as compare_int with mask oparg; exit unless that is operand (compare_int and branch_bool in one: no bool pushed)") \
  TRACE_OP(BRANCH_COMPARE_INT_CONST, "branch_compare_int of an int and the known int operand: pop an int, compare it with the operand as compare_int with mask oparg & 0xf; exit unless that is oparg >> 4 (a push of the int and branch_compare_int in one: rule int-const)") \
  TRACE_OP(BRANCH_COMPARE_LOCALS, "branch_compare_int of the ints in local oparg >> 16 and local operand, read where they are: nothing pushed or popped (two loads of locals and branch_compare_int in one: rule compare-branch)") \
  TRACE_OP(BRANCH_COMPARE_LOCAL_CONST, "branch_compare_int_const of the int in local oparg >> 16, read where it is: nothing pushed or popped (a load of the local and branch_compare_int_const in one: rule int-const)") \
  TRACE_OP(LOCAL_INT_OP_CONST, "int_op_const (not idiv or mod) of the int in local oparg >> 16, read where it is: push local op operand (a load of the local and int_op_const in one: rule int-const)") \
  TRACE_OP(INT_OP_LOCAL, "an int op (add_int, sub_int, mul_int, band_int, bor_int, bxor_int: the Opcode in oparg's low byte) whose right operand is the int in local oparg >> 16, read where it is: pop x, push x op it (a load of the local and the op in one: rule op-local)") \
  TRACE_OP(FLOAT_OP_LOCAL, "a float op (add_float to div_float: the Opcode in oparg's low byte) whose right operand is the float in local oparg >> 16, read where it is: pop x, push x op it (rule op-local)") \
  TRACE_OP(COMPARE_CHAR_CONST, "get_string_int, a push of a string constant and compare_string in one: pop a string and an int, push whether the one-byte string at that index compares with the constant as mask oparg; the constant's first byte is operand's low byte, and operand bit 8 says it is longer. Nothing is allocated: t1's get would make that string (rule char-compare)") \
  TRACE_OP(COMPARE_CHAR_LOCAL, "compare_char_const on the string in a local and the int index in another, read where they are: push the bool, nothing popped (operand: the constant's bits as compare_char_const's, the string's local in bits 16-31, the index's in 32-47). Out of reach it pushes the two locals and raises get's error, as t1 would at get (rule char-compare)") \
  TRACE_OP(BRANCH_CHAR_LOCAL, "compare_char_local and the branch_bool on its bool in one: oparg is the comparison's mask | the branch's sense << 4, and the trace stays while the comparison gives the sense, else takes the branch's exit, nothing pushed; out of reach, as compare_char_local (rule char-compare)") \
  TRACE_OP(CONCAT_INT, "to_str of a proven int, the string guard and concat_string after it in one: exit unless the value under the int is a string, then pop the two, push the string followed by the int's decimal digits, made as one string (rule concat-int; the operand is the concatenation's pc, where its error is raised)") \
  TRACE_OP(LEN_LOCAL, "load_local, its guard and len_string (operand LEN_LOCAL_STRING) or len_array (LEN_LOCAL_ARRAY) in one: push the length of the string or array in local oparg, read where it is; when the local holds something else, the guard's exit, moved to the load (rule len-local)") \
  TRACE_OP(INT_OP_CONST, "an int op (add_int to shr_int, the Opcode in oparg's low byte) whose right operand is a known int: pop x, push x op k (a push of k and the op in one: rule int-const); never a k that makes the op fail") \
  TRACE_OP(PUSH_FRAME, "enter function operand, taking oparg arguments: fuel, depth, slots as CALL") \
  TRACE_OP(PUSH_INIT_FRAME, "the call of a class a guard proved (guard_class_callee) with oparg arguments, whose init is function operand: its instance made, inserted under the arguments and kept in the callee slot in place of the class, then init's frame entered with oparg + 1 arguments (heap, then fuel, depth and slots, as CALL); its pop gives the instance") \
  TRACE_OP(POP_FRAME, "return from a frame this trace (or, for a side trace, its root) pushed, as RETURN (oparg POP_FRAME_INSTANCE: an init's frame, which gives the instance); operand: the caller's function when it is not this trace's") \
  TRACE_OP(PUSH_FRAME_DEFERRED, "push_frame whose Frame record compiled code writes only if it leaves before the pop_frame_deferred (rule deferred-frames; the uop interpreter writes it, as push_frame)") \
  TRACE_OP(POP_FRAME_DEFERRED, "pop_frame_known of a push_frame_deferred's frame (operand as pop_frame_known's): compiled code has no record to remove") \
  TRACE_OP(POP_FRAME_KNOWN, "pop_frame of a frame whose slots the optimizer knows (one this trace pushed, or the one a side trace began in): it releases only the slots under the result that operand marks (bit i: callee slot + i) as maybe holding a reference") \
  TRACE_OP(POP_INIT_FRAME_KNOWN, "pop_frame of an init's frame (POP_FRAME_INSTANCE) whose slots the optimizer knows: it drops init's own value, released when operand bit 0 says it may hold a reference, then releases the slots above the callee slot that operand marks (bit i: callee slot + i), from the top down, and the instance in the callee slot is the call's value") \
  TRACE_OP(CALL_TRACE, "call function operand with oparg arguments: its frame as PUSH_FRAME, then its entry executor, nested; on when it returns here, else leave where it left") \
  TRACE_OP(CALL_ANY, "call the value under the oparg arguments as CALL does: a function's or init's frame, then its entry executor as CALL_TRACE; anything else leaves for t1 at the call") \
  TRACE_OP(RETURN, "return from the trace's own frame, as RETURN: the trace ends, its caller resumes") \
  TRACE_OP(RETURN_KNOWN, "return of a trace whose frame's slots the optimizer knows (an entry trace, or a side trace, which knows the operands the frame held when it began): from a frame that returns a value, releases only the slots under the result that operand marks, as pop_frame_known; from any other, as return") \
  TRACE_OP(LOOP, "the LOOP closing the trace: unless stamped LOOP_STABLE, leaves when its executor was invalidated; then oparg & LOOP_UNITS units of fuel (LOOP's one), then back to the loop start") \
  TRACE_OP(LINK, "another LOOP (function oparg, offset operand): fuel, then into its executor, or exit") \
  TRACE_OP(EXIT, "leave the trace")                                                                  \
  TRACE_OP(PUSH_VALUE, "push a known int, float, bool, nil, function or builtin (oparg: kind, operand: bits)") \
  TRACE_OP(PUSH_VALUE_UNDER, "a load_method_class_attr whose value the optimizer knows (rule method-const): push it under the top, as push_value pushes it (oparg: kind, operand: bits)") \
  TRACE_OP(CHECK_GLOBALS, "exit and invalidate the executor unless the globals version is operand") \
  TRACE_OP(LOAD_LOCAL_ATTR, "load_local, then load_attr of an instance's slot: push slot oparg >> 16 of the instance in local oparg & 0xffff, exiting before the load_local unless it is an instance of shape operand; no reference count on the instance") \
  TRACE_OP(STORE_LOCAL_ATTR, "load_local, then store_attr into an instance's slot: pop into slot oparg >> 16 of the instance in local oparg & 0xffff, exiting before the load_local unless it is an instance of shape operand; no reference count on the instance") \
  TRACE_OP(LOAD_LOCAL_ELEM, "load_local, a load of an index, then get of an array's element: push element i of the array in local oparg & 0xffff, i the int in local oparg >> 16, exiting before the load unless it is an array and i an int in its bounds; no reference count on the array") \
  TRACE_OP(LOAD_LOCAL_ELEM_AT, "load_local, a push of an int, then get of an array's element: push element operand of the array in local oparg, exiting before the load unless it is an array that long; no reference count on the array") \
  TRACE_OP(LOAD_CAPTURE_ELEM, "load_local_elem of the array the running closure captured, i in local oparg") \
  TRACE_OP(LOAD_CAPTURE_ELEM_AT, "load_local_elem_at of the array the running closure captured, the index operand") \
  TRACE_OP(GET_ARRAY_KIND, "get_array_int whose element the optimizer expects to be of kind operand (an int, a float or a bool: rule elem-kinds): pop the array and the index, push the element (no reference to count), exiting before the get unless it is in bounds and of that kind") \
  TRACE_OP(LOAD_LOCAL_ELEM_KIND, "load_local_elem of an element expected to be of kind operand, as get_array_kind: exiting before the load unless it is; no reference count on the element either") \
  TRACE_OP(LOAD_LOCAL_ELEM_AT_KIND, "load_local_elem_at of an element expected to be of kind operand: element oparg >> 16 of the array in local oparg & 0xffff") \
  TRACE_OP(LOAD_CAPTURE_ELEM_KIND, "load_capture_elem of an element expected to be of kind operand, i in local oparg") \
  TRACE_OP(LOAD_CAPTURE_ELEM_AT_KIND, "load_capture_elem_at of an element expected to be of kind operand: element oparg") \
  TRACE_OP(STORE_LOCAL_ELEM, "load_local, a load of an index, a push that cannot fail, then set of an array's element: pop the value into element i of the array in local oparg & 0xffff, i the int in local oparg >> 16, releasing the element it replaces; unless it is an array and i an int in its bounds, pop the value (released) and exit before the load; no reference count on the array") \
  TRACE_OP(STORE_LOCAL_ELEM_AT, "store_local_elem with a push of an int for the index: element operand of the array in local oparg") \
  TRACE_OP(LOAD_CAPTURE_CELL, "load_capture, then cell_get of the cell it pushed: push the value in the cell the running closure captured, exiting before the load_capture unless its capture is a cell; no reference count on the cell") \
  TRACE_OP(STORE_CAPTURE_CELL, "load_capture, a push that cannot fail, then cell_set_cell on the two: pop the value into the cell the running closure captured, releasing the value it replaces; unless its capture is a cell, pop the value (released) and exit before the load_capture; no reference count on the cell") \
  TRACE_OP(LOAD_CAPTURE_ELEM_CELL, "load_capture_elem_at, then cell_get of the cell it pushed: push the value in the cell that is element operand of the array the running closure captured, exiting as the load_capture_elem_at (before it) unless that element is a cell; no reference count on the array or the cell") \
  TRACE_OP(STORE_CAPTURE_ELEM_CELL, "load_capture_elem_at, a push that cannot fail, then cell_set_cell on the two: pop the value into the cell that is element operand of the array the running closure captured, releasing the value it replaces; unless that element is a cell, pop the value (released) and exit as the load_capture_elem_at (before it); no reference count on the array or the cell") \
  TRACE_OP(GUARD_LOCAL_KIND, "before a loop's start: exit unless local oparg holds a value of kind operand (a ValueKind, or GUARD_KIND_ARRAY: an array)") \
  TRACE_OP(CHECK_FINALIZERS, "when a finalizer is due, call every due one as the interpreter would before this instruction, then go on (oparg 0: the optimizer forgot what they may change) or exit to it (oparg CHECK_FINALIZERS_EXIT: the trace promoted globals, which they may store); in a deferred frame (oparg CHECK_FINALIZERS_DEFERRED too) compiled code hands it to the uop interpreter when one is due") \
  TRACE_OP(FOR_ITER, "push the iterator's next value; when it has none, pop it and exit (to for_iter's target)") \
  TRACE_OP(FOR_ITER_ARRAY, "for_iter of an iterator a guard proved walks an array")                   \
  TRACE_OP(FOR_ITER_RANGE, "for_iter of an iterator a guard proved walks a range (pushes an int)")    \
  TRACE_OP(FOR_ITER_MAP, "for_iter of an iterator a guard proved walks a map's keys")                 \
  TRACE_OP(FOR_ITER_STRING, "for_iter of an iterator a guard proved walks a string (pushes a string)") \
  TRACE_OP(SIDE_ENTRY, "never a uop: compiled code laid after a side trace's last uop, where its parent's exit goes in (TraceExit.code)")

typedef enum {
  TRACE_OP__BEFORE = UOP__COUNT - 1,
#define TRACE_OP(name, doc) TOP_##name,
  TESSERA_TRACE_OPS(TRACE_OP)
#undef TRACE_OP
  TRACE_OP__COUNT
} TraceOpId;

/* Superinstructions of the uop interpreter: a guard and the action right after it,
   paired as in a t1 specialized form, run in one dispatch (trace_fuse). They exist only
   in an executor's code, never in a listing: the JIT compiles the uops themselves. */
typedef enum {
  TRACE_FUSED__BEFORE = TRACE_OP__COUNT - 1,
#define SPEC(name, generic, guard, action, tail, doc) TRACE_FUSED_##name,
  TESSERA_SPECIALIZED(SPEC)
#undef SPEC
  TRACE_FUSED__END
} TraceFusedId;

/* The value PUSH_VALUE pushes: a kind without references, and its bits. */
static inline Value trace_value(uint32_t kind, uint64_t bits) {
  switch ((ValueKind)kind) {
  case VAL_INT: return val_int((int64_t)bits);
  case VAL_FLOAT: {
    double d;
    memcpy(&d, &bits, sizeof d);
    return val_float(d);
  }
  case VAL_BOOL: return val_bool(bits != 0);
  case VAL_FUNC: return val_func((uint32_t)bits);
  case VAL_BUILTIN: return val_builtin((uint32_t)bits);
  default: return val_nil();
  }
}

/* POP_FRAME's oparg for the frame of an init a class call entered (PUSH_INIT_FRAME, or
   for a side trace a root's): it returns the instance in its callee slot, and the
   optimizer leaves it to frame_return, which the frame's record tells so. */
#define POP_FRAME_INSTANCE 1u

/* CHECK_FINALIZERS' oparg when the trace promoted globals: it takes its exit after the
   finalizers it called, since they may have stored a global (else it goes on). */
#define CHECK_FINALIZERS_EXIT 1u
/* And, set by rule deferred-frames on a check inside a deferred frame: compiled code
   hands the check to the uop interpreter when a finalizer is due, so that the frame's
   record is written (vm/trace_run.c) before a finalizer's frame goes above it. */
#define CHECK_FINALIZERS_DEFERRED 2u

/* Whether trace op op may release an array, class or instance, so that a finalizer may be
   due after it (UOPF_RELEASES, and the trace's own ops that release). */
static inline bool trace_op_releases(int op) {
  if (op < UOP__COUNT) return (uop_info[op].flags & UOPF_RELEASES) != 0;
  return op == TOP_BRANCH || op == TOP_POP_FRAME || op == TOP_POP_INIT_FRAME_KNOWN || op == TOP_POP_FRAME_KNOWN || op == TOP_POP_FRAME_DEFERRED || op == TOP_CALL_TRACE ||
         op == TOP_CALL_ANY || op == TOP_RETURN || op == TOP_RETURN_KNOWN || op == TOP_STORE_LOCAL_ATTR ||
         op == TOP_STORE_LOCAL_ELEM || op == TOP_STORE_LOCAL_ELEM_AT || op == TOP_GET_ARRAY_KIND ||
         op == TOP_STORE_CAPTURE_CELL || op == TOP_STORE_CAPTURE_ELEM_CELL;
}
/* Whether trace op op makes a call: its stencil's oparg carries, above the argument
   count's 8 bits, the offset where the caller resumes (jit/jit_emit.c, jit/template.c). */
static inline bool trace_op_calls(int op) {
  return op == TOP_PUSH_FRAME || op == TOP_PUSH_FRAME_DEFERRED || op == TOP_PUSH_INIT_FRAME || op == TOP_CALL_TRACE ||
         op == TOP_CALL_ANY;
}
/* Whether op may be in a deferred frame's body (rule deferred-frames), where compiled
   code runs without the frame's record: nothing that reads or writes the VM's frames
   (calls, returns, another frame's push or pop) and nothing that may leave the trace but
   by an exit (a loop edge, a link). Uops read no frames; one that would call user code
   (an operator method) hands itself to the uop interpreter, which the record is written
   for, and so does a check_finalizers that finds one due, once marked
   CHECK_FINALIZERS_DEFERRED (a finalizer's frame goes on the top one). */
static inline bool trace_op_in_deferred_frame(int op) {
  switch (op) {
  case TOP_PUSH_FRAME: case TOP_PUSH_FRAME_DEFERRED: case TOP_PUSH_INIT_FRAME: case TOP_POP_FRAME: case TOP_POP_FRAME_KNOWN:
  case TOP_POP_FRAME_DEFERRED: case TOP_POP_INIT_FRAME_KNOWN: case TOP_CALL_TRACE: case TOP_CALL_ANY: case TOP_RETURN:
  case TOP_RETURN_KNOWN: case TOP_LOOP: case TOP_LINK: case TOP_SIDE_ENTRY: return false;
  default: return true;
  }
}
/* The fuel a trace's closing LOOP charges, its oparg's low bit (LOOP_UNITS): LOOP's one
   unit, but none under the test-only fault t2-loop-free. Stamped by the projector, so
   that compiled code charges a constant (jit/template.c: the loop stencil's variants)
   rather than test the fault at every iteration. */
static inline uint32_t trace_loop_units(const VM *vm) { return vm->t1.fault != FAULT_T2_LOOP_FREE; }
#define LOOP_UNITS 1u
/* LOOP's oparg bit when no uop of its trace may invalidate the executor while it runs
   (trace_op_may_invalidate; stamped when the executor is built): between two runs of the
   LOOP nothing but the trace's own uops runs, so the LOOP need not check that the
   executor is still valid (dev builds assert it in the uop interpreter). */
#define LOOP_STABLE 2u
/* Whether trace op op may invalidate its executor while it runs: it may change a class,
   whose version the class watcher then renews (UOPF_KILLS_OBJECTS: a generic store_attr
   or del_attr may mutate one), or run code that is not the trace's own uops and may do
   so (a call_trace's or call_any's callee, the finalizers a check_finalizers calls).
   Operator methods and everything else that runs user code leave the trace first. */
static inline bool trace_op_may_invalidate(int op) {
  if (op < UOP__COUNT) return (uop_info[op].flags & UOPF_KILLS_OBJECTS) != 0;
  return op == TOP_CALL_TRACE || op == TOP_CALL_ANY || op == TOP_CHECK_FINALIZERS;
}

/* Name of a uop or trace op, lower case. */
const char *trace_op_name(int op);

#define TRACE_NO_EXIT 0xffffu

/* One uop of a trace. */
typedef struct {
  uint16_t op;       /* UopId or TraceOpId */
  uint16_t exit;     /* guards, BRANCH, LINK, EXIT, CHECK_GLOBALS: index into exits */
  uint32_t oparg;
  uint64_t operand;
  uint32_t func;     /* the function of the frame it runs in */
  uint32_t pc;       /* the instruction it belongs to: errors are raised here */
} TraceInst;

/* Where an exit resumes t1: the top frame's function and an offset in it. */
typedef struct {
  uint32_t func, pc;
  uint64_t taken;            /* times taken */
  struct Executor *side;     /* a trace from here, once the exit is hot */
  uint32_t depth;            /* frames that traces pushed above the root executor's entry frame
                                when it exits here (0 when not known): a side trace from here
                                returns from that many as pop_frame before its own return */
  const void *code;          /* the side trace's compiled side entry while it is valid, else
                                NULL: compiled code taking the exit jumps there itself */
  bool in_deferred_frame;    /* taken by a uop inside a deferred frame (rule deferred-frames):
                                compiled code taking it writes that frame's record first
                                (trace_write_deferred), in C or in the side trace's entry */
  uint64_t kinds;            /* what the trace optimizer proved of the kinds of the exit's top
                                frame's first EXIT_KIND_LOCALS locals when it is taken (2 bits
                                each: exit_kind_of), for a side trace from here to begin with
                                (rule exit-kinds); 0: nothing */
} TraceExit;

/* TraceExit.kinds: local l's kind in bits 2l and 2l+1, one of EXIT_KIND_*. */
#define EXIT_KIND_LOCALS 32
enum { EXIT_KIND_UNKNOWN, EXIT_KIND_INT, EXIT_KIND_FLOAT, EXIT_KIND_BOOL };
static inline uint32_t exit_kind_of(uint64_t kinds, uint32_t local) {
  return local < EXIT_KIND_LOCALS ? (uint32_t)(kinds >> (2 * local)) & 3 : EXIT_KIND_UNKNOWN;
}

typedef struct Executor {
  uint32_t id;               /* order of creation, from 0 */
  uint32_t func, start_pc;   /* where the trace begins */
  uint32_t loop_pc;          /* root traces: the LOOP they are entered from */
  uint32_t chain;            /* 0: a root trace; n: a side trace of a chain-(n-1) trace */
  uint32_t parent, parent_exit;  /* side traces: where they hang */
  TraceExit *from;           /* side traces: that exit */
  bool valid;                /* false once invalidated: never entered again */
  bool entry;                /* a root trace from the function's entry (its calls got hot), not a loop's */
  int32_t handler;           /* a root trace from a handler (its catches got hot): its index in
                                the function's table, else -1 */
  bool dormant;              /* localization only (SwitchedOff.t2_upto): leaves at once when entered */
  bool defers_frames;        /* holds a push_frame_deferred: compiled code that leaves may be
                                inside its frame, whose record is then written (trace_run.c) */
  TraceInst *code;
  uint32_t len, loop_start;  /* LOOP jumps back to code[loop_start] */
  TraceExit *exits;
  uint32_t nexits;
  uint32_t *class_versions;  /* the class versions its guards check, each once: the class
                                watcher invalidates it when one is renewed */
  uint32_t nclass_versions;
  AttrCache *attr_caches;    /* one per generic load_attr and load_method, its operand */
  struct JitCode *jit;       /* the compiled trace (jit tiers), or NULL: interpreted */
  struct Executor *next;     /* every executor of the VM, newest first */
} Executor;

/* Why a projection gave up, or how a trace ended. X(NAME, "why") */
#define TESSERA_TRACE_ABORTS(X)                                                   \
  X(EMPTY, "the first instruction cannot be traced (a call, a return, a cold branch)") \
  X(TOO_MANY, "the VM already has its maximum number of traces")                    \
  X(CHAIN, "a side trace would hang too deep below its root")                     \
  X(UNWARMED, "a function's entry trace would meet code t1 has not tried yet: put off")
#define TESSERA_TRACE_ENDS(X)                                                     \
  X(CLOSED, "back to the loop start")                                             \
  X(LINKED, "at another loop, into its executor")                                 \
  X(CALL, "before a generic call t1 has not tried to specialize yet")            \
  X(RETURN, "at a return from the trace's own frame (main's: before it)")         \
  X(RAISE, "before a raise")                                                      \
  X(COLD_BRANCH, "before a conditional jump t1 never ran")                        \
  X(LENGTH, "at the maximum length")

typedef enum {
#define X(name, doc) TRACE_ABORT_##name,
  TESSERA_TRACE_ABORTS(X)
#undef X
  TRACE_ABORT__COUNT
} TraceAbort;

typedef enum {
#define X(name, doc) TRACE_END_##name,
  TESSERA_TRACE_ENDS(X)
#undef X
  TRACE_END__COUNT
} TraceEnd;

extern const char *const trace_abort_name[TRACE_ABORT__COUNT];
extern const char *const trace_end_name[TRACE_END__COUNT];

/* Op pairs: bit A * TRACE_OP__COUNT + B of T2Stats.pairs is set when op B follows op A
   in a trace (coverage for the fuzzer's feedback, oracle/coverage.h). */
#define TRACE_OP_WORDS ((TRACE_OP__COUNT + 63) / 64)
#define TRACE_PAIR_WORDS ((TRACE_OP__COUNT * TRACE_OP__COUNT + 63) / 64)
static inline uint32_t trace_pair_index(uint32_t a, uint32_t b) { return a * TRACE_OP__COUNT + b; }

/* What --stats shows for t2. */
typedef struct T2Stats {
  uint64_t projected;                     /* traces projected (root and side) */
  uint64_t aborted[TRACE_ABORT__COUNT];
  uint64_t ended[TRACE_END__COUNT];       /* executors built, by how their trace ends */
  uint64_t built, side_built, invalidated;
  uint64_t entered;                       /* executors entered from t1 */
  uint64_t linked;                        /* moves from one executor into another */
  uint64_t exits;                         /* exits taken back to t1 */
  uint64_t uops;                          /* uops run */
  uint64_t attr_cache_fills;              /* entries filled in the attribute caches of generic
                                             load_attr and load_method (vm/object.h) */
  /* the optimizer */
  uint64_t guards_removed, folded, loads_removed, pushes_removed, globals_promoted, bool_branches;
  uint64_t int_branches;                  /* branches on a proven int made branch_compare_int_const with 0 */
  uint64_t loop_kinds;                    /* locals guarded once before a loop start (loop kinds) */
  uint64_t entry_param_kinds;             /* parameters guarded once at an entry trace's start */
  uint64_t iter_guards_hoisted;           /* loops' iterator guards left before the loop start */
  uint64_t iter_guards_kept;              /* and kept in loops whose body takes the iterator */
  uint64_t inline_facts;                  /* arguments carrying an object fact into an inlined frame */
  uint64_t local_attrs;                   /* load_local_attr made (pass 4) */
  uint64_t elem_kinds;                    /* element gets typed by the guard after them (pass 3) */
  uint64_t local_elems;                   /* load_local_elem made (pass 4) */
  uint64_t elems_proved;                  /* of those typed, with their array and index proved (pass 4) */
  uint64_t capture_cells;                 /* load_capture_cell made (pass 4) */
  uint64_t capture_cell_stores;           /* store_capture_cell made (pass 4) */
  uint64_t capture_elem_cells;            /* load_capture_elem_cell and store_capture_elem_cell made (pass 4) */
  uint64_t local_elem_stores;             /* store_local_elem made (pass 4) */
  uint64_t elem_stores_proved;            /* of those, with their array and index proved (pass 4) */
  uint64_t exit_kinds;                    /* side traces that began knowing kinds of locals from their exit */
  uint64_t compare_branches;              /* branch_compare_int made (pass 4) */
  uint64_t int_consts;                    /* int_op_const made (pass 4) */
  uint64_t op_locals;                     /* int_op_local and float_op_local made (pass 4) */
  uint64_t char_compares;                 /* compare_char_const made (pass 4) */
  uint64_t char_locals;                   /* of those, made compare_char_local */
  uint64_t len_locals;                    /* len_local made (pass 4) */
  uint64_t concat_ints;                   /* concat_int made (pass 4) */
  uint64_t methods_known;                 /* push_value_under made (rule method-const) */
  uint64_t stable_loops;                  /* LOOPs stamped LOOP_STABLE (no validity check) */
  uint64_t frames_deferred;               /* push_frame_deferred made (rule deferred-frames) */
  uint64_t refcounts_removed;             /* loads, stores and pops of values proven to hold no reference */
  uint64_t object_guards_removed;         /* of guards_removed: shape and class-version guards already passed */
  uint64_t class_invalidations;           /* class versions a t1 cache had taken, renewed (the VM's count) */
  uint64_t watcher_invalidations;         /* executors invalidated because a class they guard mutated */
  uint64_t operator_leaves;               /* traces left for the interpreter to call an operator method */
  uint64_t finalizer_leaves;              /* check_finalizers that found one due and called them */
  uint64_t finalizer_on;                  /* of those, the ones after which the trace went on
                                             (else it took the check's exit) */
  uint64_t finalizer_calls;               /* finalizers those called (trace_finalize) */
  uint64_t finalizers_direct;             /* of those, called directly: op_del's code run
                                             without the generic operator call (jit tiers) */
  uint64_t finalizer_checks_removed;      /* CHECK_FINALIZERS after uops the optimizer proved release nothing */
  uint64_t key_lookups_removed;           /* has of a string key a map was known to have (MAP_HAS_KNOWN) */
  uint64_t shrinks;                       /* arrays and maps shrunk inside traces (uops with UOPF_SHRINKS) */
  uint64_t map_deletes;                   /* map keys deleted inside traces (UOPF_MAP_DELETE) */
  uint64_t cell_writes;                   /* cells written inside traces (UOPF_CELL_WRITE) */
  uint64_t cell_facts;                    /* cell reads whose kinds the optimizer took from a write */
  uint64_t builtin_calls;                 /* builtins called inside traces (UOPF_BUILTIN_CALL) */
  uint64_t builtins_proven;               /* builtin calls the optimizer made call_sqrt_float */
  uint64_t entry_built;                   /* of built: root traces from a function's entry */
  uint64_t handler_built;                 /* of built: root traces from a handler */
  uint64_t init_frames;                   /* class calls whose instance a trace made and whose
                                             init's frame it entered (push_init_frame) */
  uint64_t returns;                       /* returns from a trace's own frame (RETURN) */
  uint64_t nested_calls;                  /* entry executors a call_trace ran nested */
  uint64_t nested_left;                   /* of those, the ones that left elsewhere than back to
                                             their caller (an exit, an error), so their callers
                                             left too */
  uint64_t nested_bound;                  /* call_traces that left for t1 at the callee's start:
                                             at the bound on nesting, or no executor yet */
  uint64_t nested_at_bound;               /* of those, the ones at the bound (T2State.max_nested) */
  uint64_t deferred_written;              /* deferred frames whose record was written because
                                             compiled code left inside them (an exit, an error) */
  uint64_t call_any;                      /* generic calls made in traces (call_any) */
  uint64_t call_any_left;                 /* of those, left for t1 to make at the instruction
                                             (a builtin, a wrong arity, not callable) */
  uint64_t iter_changes;                  /* for_iter steps in traces over an array or map changed
                                             since its iterator was made (iter_source_changed;
                                             counted by the uop interpreter only, not in the
                                             stencils' hot path: the reach figure is t2's) */
  uint64_t exit_op[TRACE_FUSED__END];     /* exits taken, by the op that took them (the uop
                                             interpreter's fused ops count as their own) */
  uint64_t pairs[TRACE_PAIR_WORDS];       /* which ops follow which in the code this tier runs
                                             (trace_pair_index): the traces t2 built, or the
                                             ones the JIT compiled, after the optimizer */
  uint64_t errors[ERR__COUNT];            /* runtime errors raised inside traces (in the jit tiers,
                                             compiled code hands the failing uop to the uop
                                             interpreter, which raises it), by kind */
  uint64_t caught;                        /* of those, the ones a handler caught (interp.h) */
  /* localization only (SwitchedOff.trace_insts = N): the N-th instruction of the traces
     that reached it, the last one they hold */
  uint64_t cut_traces;                    /* traces that reached it */
  uint32_t cut_func, cut_pc, cut_opcode;  /* the first one, or the first with a trace op: where
                                             it is, its t1 opcode */
  uint64_t cut_ops[TRACE_OP_WORDS];       /* and the ops of its uops, as a bit set */
  bool cut_trace_op;
  uint32_t cut_uop;                       /* jit_part: the last uop compiled, of the first trace */
  /* the JIT */
  uint64_t jit_compiled, jit_failed;      /* executors compiled; compilations that failed */
  uint64_t jit_code_bytes;                /* machine code of the compiled ones */
  uint64_t jit_entries;                   /* runs of compiled code (entered or re-entered) */
  uint64_t jit_compile_ns;                /* time spent compiling */
  uint64_t jit_setup_ns;                  /* time making the JIT ready (JitHooks.prepare):
                                             a process's first run with it only */
  uint64_t jit_uops;                      /* uops compiled */
  uint64_t jit_compiled_op[TRACE_OP__COUNT];  /* uops compiled, by op */
  uint64_t jit_left_op[TRACE_OP__COUNT];      /* compiled code left at this op (an exit, an
                                                 error or a handoff), by op */
} T2Stats;

/* What the fuzzer's reach counts of a uop that ran in a trace, from its FLAGS: the uop
   interpreter and the stencils call it with a constant, which leaves only what is set. */
static inline void trace_count_effects(T2Stats *st, uint32_t flags) {
  if (flags & UOPF_SHRINKS) st->shrinks++;
  if (flags & UOPF_MAP_DELETE) st->map_deletes++;
  if (flags & UOPF_CELL_WRITE) st->cell_writes++;
  if (flags & UOPF_BUILTIN_CALL) st->builtin_calls++;
}

/* Bounds. */
#define TRACE_MAX_LEN 400          /* uops in one trace */
#define TRACE_MAX_EXECUTORS 256    /* traces one VM builds, invalidated ones included */
#define TRACE_MAX_CHAIN 4          /* side traces below a root */
#define TRACE_MAX_INLINE 3         /* frames a trace pushes */
#define TRACE_INLINE_MAX_CODE 256  /* bytes of code of a function a trace inlines */
#define TRACE_SIDE_THRESHOLD 8     /* an exit gets its own trace when taken this often */
#define TRACE_DEFAULT_THRESHOLD 16 /* a LOOP projects a trace at its 16th execution, a
                                      function at its 16th call */
#define TRACE_MAX_PUT_OFF 3        /* times a function's entry trace is put off while t1
                                      warms its code (each waits twice as many calls) */
#define TRACE_MAX_NESTED 64        /* executors running nested, one in another's call_trace:
                                      the C stack the uop interpreter's take is bounded
                                      (docs/tier2.md) */

/* How t2 reaches a JIT. The VM library knows no compiler: whoever runs a jit tier hands
   t2 one in RunOptions.jit (jit/jit.h: jit_hooks), and t2 calls it for every executor
   it builds. The code it returns follows jit_abi.h. */
typedef struct JitHooks {
  /* Makes the JIT ready to compile (its memory, the stencils' shared code), the first
     time a process asks: false with the reason when it cannot be (compile then fails with
     it too). t2_init calls it, so that a run's compile time is compiling alone. */
  bool (*prepare)(char *why, size_t whycap);
  /* Compiles executor ex's optimized trace (code, len uops; ex's loop start and exits
     are set): the compiled code, or NULL with the reason. */
  JitCode *(*compile)(const struct JitHooks *h, const VM *vm, const struct Executor *ex, const TraceInst *code,
                      uint32_t len, char *why, size_t whycap);
  /* Shows what compile made, as the run asked (perf's map, --dump-jit's listings): apart
     from compile, so that the time --stats gives for compiling is compiling alone. */
  void (*show)(const struct JitHooks *h, const VM *vm, const struct Executor *ex, const JitCode *c,
               const TraceInst *code);
  void (*free)(JitCode *c);
  /* Called with true before many frees (a VM's teardown) and false after them, so that
     the JIT can release their memory together. */
  void (*free_batch)(bool begin);
  const void *options;  /* the JIT's own (jit/jit.h: JitOptions) */
} JitHooks;

/* A function's entry executor and the count towards building it, and the shape of its
   frame, which calls from traces read here, next to the executor, rather than in the
   module's function table. */
typedef struct EntrySlot {
  Executor *ex;              /* the executor from the function's entry, or NULL */
  const void *code;          /* its compiled code when a run of it may be that code (compiled,
                                not dormant: trace_nests_compiled but for the bound), else
                                NULL: the one load and test of a call in compiled code */
  uint32_t nparams;          /* Function.nparams */
  uint32_t nlocals;          /* Function.nlocals */
  uint32_t arg_bytes;        /* nparams values' bytes (push_frame_deferred's locals) */
  uint32_t frame_bytes;      /* frame_slots' bytes (frames.h: frame_room_at) */
  uint16_t counter;          /* calls left before projecting it */
  uint8_t backoff;
} EntrySlot;

/* A handler's executor and the count towards building it: the catches that resume at
   the handler (docs/tier2.md, "Handler traces"). */
typedef struct HandlerSlot {
  Executor *ex;
  uint16_t counter;          /* catches left before projecting it (0: not counting yet) */
  uint8_t backoff;
} HandlerSlot;

/* Tier 2's per-run state (t1's state is used too). */
typedef struct T2State {
  bool optimize;             /* false: t2-noopt, jit-noopt */
  const JitHooks *jit;       /* the jit tiers: executors are compiled through it; else NULL */
  uint32_t threshold;        /* LOOP executions before projecting */
  Executor ***at_loop;       /* [func][pc of a LOOP], allocated per function on demand */
  EntrySlot *at_entry;       /* [func] */
  HandlerSlot **at_handler;  /* [func][handler], allocated per function on demand */
  uint32_t max_nested;       /* the bound on nesting (RunOptions.max_nested) */
  uint32_t nesting;          /* executors running nested now (call_trace) */
  uint32_t nest_frames;      /* the innermost one returns to its caller when the VM is back
                                to this many frames */
  JitFrame nested[TRACE_MAX_NESTED];  /* [n]: the JitFrame of the run nested at depth n, when
                                a call_trace's stencil nested it without a C call (the
                                callee's code jumped to, its return jumping back) */
  uint64_t nested_jumps;     /* those runs begun (jit/template.c: nest_run), counted here alone
                                so that a compiled call and return count once: each one's
                                entry, nesting and, unless trace_settle ended it, return go
                                into the stats when the run ends (t2_fold_stats) */
  uint64_t jumps_settled;    /* of them, the ones trace_settle ended */
  const ObjClass *del_class; /* finalize_compiled's op_del lookup: the class it was found */
  uint32_t del_version;      /* through, that class's version then (never 0), */
  uint32_t del_func;         /* and the function it is */
  uint32_t left_pc;          /* trace_call's TRACE_CALL_LEFT: where t1 resumes, */
  ErrorKind left_err;        /* or the error raised there (TRACE_CALL_FAILED: the call's) */
  Executor *all;
  uint32_t count;
  JitCode **dead_code;       /* code of invalidated executors, freed when no compiled code runs */
  uint32_t ndead_code, dead_code_cap;
  T2Stats *stats;            /* never NULL while running (a private one if not asked) */
  T2Stats own_stats;
  Buf *dump;                 /* if not NULL, every trace before and after optimizing */
  SwitchedOff off;           /* RunOptions.off: localization only */
} T2State;

/* After a catch that resumes at handler pc of function func, in the top frame (its
   value pushed): the executor to run from there, projecting one if the handler just got
   hot, or NULL. */
Executor *t2_handler_executor(VM *vm, uint32_t func, uint32_t pc);

/* At the entry of a frame of function func (its call charged): the executor to run
   from its first instruction, projecting one if the function just got hot, or NULL. */
Executor *t2_entry_build(VM *vm, uint32_t func);
static inline Executor *t2_entry_executor(VM *vm, uint32_t func) {
  T2State *s = vm->t2;
  if (LIKELY(s->at_entry[func].ex != NULL)) return s->at_entry[func].ex;
  return --s->at_entry[func].counter == 0 ? t2_entry_build(vm, func) : NULL;
}

/* The bodies of the trace's own ops that carry semantics, written once for the uop
   interpreter (trace_run.c) and the JIT's stencils (jit/template.c). A branch answers
   whether the trace goes on (false: take the exit; the value is popped either way). */
/* BRANCH: 1 stays, 0 exits (the value popped), -1 leaves the trace without popping:
   an instance with op_bool, whose call the interpreter makes (docs/tier2.md); with
   localization's instance_branches, any instance once a class may define op_bool. */
static inline int trace_branch(VM *vm, UopState *u, uint32_t expect) {
  /* A module without the name op_bool has no such method: no lookup, no call */
  if (UNLIKELY(is_instance(u->sp[-1])) && vm->operator_name[OPM_BOOL] != SHAPE_NONE &&
      ((sem_has_operator(vm, u->sp[-1], OPM_BOOL) && vm->t1.fault != FAULT_T2_BRANCH_NO_BOOL) ||  /* test-only fault */
       vm->t2->off.instance_branches))
    return -1;
  Value v = val_load(--u->sp);
  bool t = sem_truthy(v);
  val_decref(&vm->heap, v);
  return t == (expect != 0);
}
/* LOAD_LOCAL_ATTR's and STORE_LOCAL_ATTR's operand is the shape, with this bit when a
   fact proved the local to hold an instance of it (the guard was removed): compiled
   code then reads or writes the slot without a check; the uop interpreter checks all
   the same, so that a wrong proof shows as t2 and jit disagreeing. */
#define LOCAL_ATTR_PROVEN (1ull << 63)
/* The instance in local oparg & 0xffff when it has shape `shape`, else NULL (the exit of
   LOAD_LOCAL_ATTR and STORE_LOCAL_ATTR); proven: no check. */
static inline ObjInstance *trace_local_instance(UopState *u, uint32_t oparg, uint64_t shape, bool proven) {
  Value o = u->locals[oparg & 0xffff];
  if (proven) return as_instance(o);
  if (!is_instance(o)) return NULL;
  if (as_instance(o)->shape != (uint32_t)shape && u->vm->t1.fault != FAULT_T2_LOCAL_ATTR_ANY_SHAPE) return NULL;  /* test-only fault */
  return as_instance(o);
}
/* LOAD_LOCAL_ATTR: false when it exits. */
static inline bool trace_load_local_attr(UopState *u, uint32_t oparg, uint64_t shape, bool proven) {
  ObjInstance *o = trace_local_instance(u, oparg, shape, proven);
  if (!o) return false;
  Value v = val_load(&o->slots[oparg >> 16]);
  val_incref(v);
  val_store(u->sp++, v);
  return true;
}
/* The array LOAD_CAPTURE_ELEM and LOAD_CAPTURE_ELEM_AT read, the cell LOAD_CAPTURE_CELL
   reads: what the running closure
   captured (nil when the frame was not entered from a closure, which exits then). Apart
   from the local ones, so that no stencil decides between the two at run time. */
static inline Value trace_capture_array(const UopState *u) {
  Value callee = u->locals[-1];
  return is_closure(callee) ? as_closure(callee)->capture : val_nil();
}
/* Whether a fused read or write of array a at index i reaches an element, *item; false
   when it exits: a is no array, i no int (unless any_index: a test-only fault) or out of
   its bounds. (Answered apart from the pointer: the compiler cannot tell that
   &items[i] is never NULL, and tested it again.) */
#define ELEM_ARRAY_PROVED 0x10u  /* in a typed element read's operand, beside the kind */
/* GUARD_LOCAL_KIND: whether v has the kind in operand, a ValueKind or GUARD_KIND_ARRAY. */
#define GUARD_KIND_ARRAY 16u  /* no ValueKind: a variant key of its own (jit.h) */
static inline bool trace_local_has_kind(Value v, uint64_t operand) {
  return operand == GUARD_KIND_ARRAY ? is_array(v) : v.kind == operand;
}
static inline bool trace_array_in_bounds(Value a, Value i, Value **item) {  /* a an array */
  if ((uint64_t)i.as.i >= as_array(a)->len) return false;  /* a negative index too */
  *item = &as_array(a)->items[i.as.i];
  return true;
}
static inline bool trace_array_item(Value a, Value i, bool any_index, Value **item) {
  if (!is_array(a) || (i.kind != VAL_INT && !any_index)) return false;
  return trace_array_in_bounds(a, i, item);
}
/* LOAD_LOCAL_ELEM, LOAD_CAPTURE_ELEM and their _AT forms: push element i of array a
   (not counted: its local or closure holds it); false when it exits (not an array, i
   not an int, or out of its bounds). */
static inline bool trace_load_elem(UopState *u, Value a, Value i) {
  Value *item;
  if (!trace_array_item(a, i, u->vm->t1.fault == FAULT_T2_LOCAL_ELEM_ANY_INDEX, &item)) return false;
  Value v = val_load(item);
  val_incref(v);
  val_store(u->sp++, v);
  return true;
}
/* The typed element reads (rule elem-kinds): push element i of array a when it is of
   the kind in operand, an int, a float or a bool, which holds no reference; false when it
   exits (as trace_load_elem, or an element of another kind). With ELEM_ARRAY_PROVED in
   the operand (a fused read whose guard a fact proved: rule local-elem) a is an array and
   i an int, unchecked. Under the test-only fault
   t2-elem-kind-unchecked, an element of another kind is pushed (counted) all the same. */
static inline bool trace_load_elem_kind(UopState *u, Value a, Value i, uint64_t operand) {
  Value *item;
  uint64_t kind = operand & ~ELEM_ARRAY_PROVED;
  bool proved = (operand & ELEM_ARRAY_PROVED) != 0;  /* an array and an int: only the bounds are left */
  if (!(proved ? trace_array_in_bounds(a, i, &item) : trace_array_item(a, i, false, &item))) return false;
  Value v = val_load(item);
  if (UNLIKELY(v.kind != kind)) {
    if (u->vm->t1.fault != FAULT_T2_ELEM_KIND_UNCHECKED) return false;
    val_incref(v);
  }
  val_store(u->sp++, v);
  return true;
}
/* GET_ARRAY_KIND: the array and the index on the stack (its guard proved them an array
   and an int) become the element, as trace_load_elem_kind reads it; false when it exits,
   with nothing changed. */
static inline bool trace_get_array_kind(UopState *u, uint64_t kind) {
  Value a = u->sp[-2];
  u->sp -= 2;
  if (LIKELY(trace_load_elem_kind(u, a, u->sp[1], kind))) {
    val_decref(&u->vm->heap, a);
    return true;
  }
  u->sp += 2;
  return false;
}
/* A fused write's exit (an element's or a cell's): the value popped and released
   first, so that the state is the one before the container's load. */
static inline void trace_drop_top(UopState *u) { val_decref(&u->vm->heap, val_load(--u->sp)); }
/* Whether the test-only fault t2-store-elem-keeps-old keeps the element a store
   replaces. */
static inline bool trace_store_elem_keeps_old(const UopState *u) {
  return u->vm->t1.fault == FAULT_T2_STORE_ELEM_KEEPS_OLD;
}
/* STORE_LOCAL_ELEM and STORE_LOCAL_ELEM_AT: pop the value into element i of array a,
   releasing the element it replaces (not under the test-only fault
   t2-store-elem-keeps-old); false when it exits, with the value popped and released
   first: the state is then the one before the array's load, where t1 goes on (and loads
   the array, the index and the value again, and raises what set raises). */
static inline bool trace_store_elem(UopState *u, Value a, Value i) {
  Value *item;
  if (!trace_array_item(a, i, false, &item)) {
    trace_drop_top(u);
    return false;
  }
  Value old = uop_pop_into(u, item);
  if (LIKELY(!trace_store_elem_keeps_old(u))) val_decref(&u->vm->heap, old);
  return true;
}
/* The cell the running closure captured (LOAD_CAPTURE_CELL, STORE_CAPTURE_CELL), into
   *c; false when they exit (no closure, or its capture is no cell). Answered apart from
   the pointer, as trace_array_item: tested again, a NULL for "none" cost a compare. */
static inline bool trace_capture_cell(const UopState *u, ObjCell **c) {
  Value v = trace_capture_array(u);
  if (!is_cell(v)) return false;
  *c = as_cell(v);
  return true;
}
/* The cell that is element `index` of the array the running closure captured
   (LOAD_CAPTURE_ELEM_CELL, STORE_CAPTURE_ELEM_CELL), into *c; false when they exit (no
   closure, its capture no array, the index out of its bounds, or the element no cell). */
static inline bool trace_capture_elem_cell(const UopState *u, uint64_t index, ObjCell **c) {
  Value *item;
  if (!trace_array_item(trace_capture_array(u), val_int((int64_t)index), false, &item)) return false;
  Value v = val_load(item);
  if (!is_cell(v)) return false;
  *c = as_cell(v);
  return true;
}
/* The fused cell reads: push the value in cell c (not counted: its closure or array
   holds the cell). */
static inline void trace_load_cell(UopState *u, ObjCell *c) {
  Value v = val_load(&c->value);
  val_incref(v);
  val_store(u->sp++, v);
}
/* The fused cell writes: pop the value into cell c, counting a cell write as
   cell_set_cell does; the value it replaces is answered, for the caller to release
   (unless a test-only fault keeps it; apart in compiled code: jit/template.c). */
static inline Value trace_store_cell(UopState *u, ObjCell *c) {
  trace_count_effects(u->vm->t2->stats, UOPF_CELL_WRITE);
  return uop_pop_into(u, &c->value);
}
/* Whether the test-only fault t2-store-cell-keeps-old keeps the value store_capture_cell
   replaces. */
static inline bool trace_store_cell_keeps_old(const UopState *u) {
  return u->vm->t1.fault == FAULT_T2_STORE_CELL_KEEPS_OLD;
}
/* LOAD_CAPTURE_CELL, STORE_CAPTURE_CELL, LOAD_CAPTURE_ELEM_CELL, STORE_CAPTURE_ELEM_CELL
   in the uop interpreter: false when they exit, with nothing changed but a write's value
   popped and released. */
static inline bool trace_load_capture_cell(UopState *u) {  /* a fault apart: t2-capture-cell-float */
  ObjCell *c;
  if (!trace_capture_cell(u, &c)) return false;
  Value v = val_load(&c->value);
  /* Under the test-only fault t2-capture-cell-float, a float read this way is pushed as
     the int it truncates to. */
  if (UNLIKELY(u->vm->t1.fault == FAULT_T2_CAPTURE_CELL_FLOAT) && v.kind == VAL_FLOAT) v = val_int((int64_t)v.as.f);
  val_incref(v);
  val_store(u->sp++, v);
  return true;
}
static inline bool trace_store_capture_cell(UopState *u) {
  ObjCell *c;
  if (!trace_capture_cell(u, &c)) {
    trace_drop_top(u);
    return false;
  }
  Value old = trace_store_cell(u, c);
  if (LIKELY(!trace_store_cell_keeps_old(u))) val_decref(&u->vm->heap, old);
  return true;
}
static inline bool trace_load_capture_elem_cell(UopState *u, uint64_t index) {
  ObjCell *c;
  if (!trace_capture_elem_cell(u, index, &c)) return false;
  trace_load_cell(u, c);
  return true;
}
static inline bool trace_store_capture_elem_cell(UopState *u, uint64_t index) {
  ObjCell *c;
  if (!trace_capture_elem_cell(u, index, &c)) {
    trace_drop_top(u);
    return false;
  }
  Value old = trace_store_cell(u, c);
  val_decref(&u->vm->heap, old);
  return true;
}
/* STORE_LOCAL_ATTR: false when it exits. The slot takes the popped value's reference. */
static inline bool trace_store_local_attr(UopState *u, uint32_t oparg, uint64_t shape, bool proven) {
  ObjInstance *o = trace_local_instance(u, oparg, shape, proven);
  if (!o) return false;
  val_decref(&u->vm->heap, uop_pop_into(u, &o->slots[oparg >> 16]));
  return true;
}
static inline bool trace_branch_bool(UopState *u, uint32_t expect) { return (--u->sp)->as.b == (expect != 0); }
/* BRANCH_COMPARE_INT: whether it stays, the two ints it compares (mask) popped, as
   compare_int then branch_bool would leave them. */
static inline bool trace_branch_compare_int(UopState *u, uint32_t mask, uint64_t expect) {
  u->sp -= 2;
  return cmp_int_holds(mask, u->sp[0].as.i, u->sp[1].as.i) == (expect != 0);
}

/* INT_OP_CONST's fields. oparg: the Opcode (OP_ADD to OP_SHR) in bits 0-7; for OP_IDIV and
   OP_MOD, whose divisor d is from 2 to 65535, also trace_floor_div's shift in bits 8-15
   and d in bits 16-31, the operand being its multiplier; for the others the operand is
   the int. */
#define INT_CONST_OPCODE(oparg) ((Opcode)((oparg) & 0xffu))
static inline bool int_const_divides(uint32_t oparg) {
  return INT_CONST_OPCODE(oparg) == OP_IDIV || INT_CONST_OPCODE(oparg) == OP_MOD;
}
/* The int k of an int_op_const. */
static inline int64_t int_const_value(uint32_t oparg, uint64_t operand) {
  return int_const_divides(oparg) ? (int64_t)(oparg >> 16) : (int64_t)operand;
}
/* floor(x / d) for a divisor d from 2 to 65535 by a multiplication (Granlund and
   Montgomery's method for numerators below 2^63): with l = ceil(log2 d), multiplier
   m = floor(2^(63 + l) / d) + 1 (below 2^64) and shift l - 1 (trace_floor_div_multiplier),
   floor(n / d) = ((n * m) >> 64) >> shift for every 0 <= n < 2^63. A negative x floors
   through its complement, which is not: floor(x / d) = ~floor(~x / d). */
static inline __attribute__((always_inline)) int64_t trace_floor_div(int64_t x, uint64_t m, uint32_t shift) {
  uint64_t flip = x < 0 ? UINT64_MAX : 0, n = (uint64_t)x ^ flip;
  uint64_t q = (uint64_t)(((unsigned __int128)n * m) >> 64) >> shift;
  return (int64_t)(q ^ flip);
}
/* The multiplier and shift of trace_floor_div for divisor d (2 to 65535). */
static inline uint64_t trace_floor_div_multiplier(uint32_t d, uint32_t *shift) {
  uint32_t l = 1;
  while ((1u << l) < d) l++;
  *shift = l - 1;
  return (uint64_t)(((unsigned __int128)1 << (63 + l)) / d) + 1;
}
/* INT_OP_CONST: x op k, exactly as sem_int_op computes it (never failing: the rule fuses
   no zero divisor and no negative shift); a division by its multiplier. */
static inline __attribute__((always_inline)) int64_t trace_int_op_const(uint32_t oparg, uint64_t operand, int64_t x) {
  Opcode op = INT_CONST_OPCODE(oparg);
  if (!int_const_divides(oparg)) return sem_int_op_valid(op, x, (int64_t)operand);
  int64_t q = trace_floor_div(x, operand, (oparg >> 8) & 0xffu);
  if (op == OP_IDIV) return q;
  /* OP_MOD: x - d * floor(x / d), in [0, d): wrapping arithmetic is exact */
  return sem_wrap_sub(x, sem_wrap_mul(q, (int64_t)(oparg >> 16)));
}

/* Whether a compare-branch stays: comparison oparg & 0xf of a and b holding is the sense,
   oparg bit 4 (the fused compare-branches' common oparg). */
static inline bool trace_compare_stays(uint32_t oparg, int64_t a, int64_t b) {
  return cmp_int_holds(oparg & 0xfu, a, b) == ((oparg >> 4 & 1u) != 0);
}
/* BRANCH_COMPARE_INT_CONST: whether it stays, the int it compares with k popped. */
static inline bool trace_branch_compare_int_const(UopState *u, uint32_t oparg, uint64_t k) {
  u->sp--;
  return trace_compare_stays(oparg, u->sp[0].as.i, (int64_t)k);
}

/* INT_OP_LOCAL and FLOAT_OP_LOCAL: the top becomes top op local oparg >> 16, the op
   oparg's low byte, as sem_int_op and sem_float_op compute it (never failing: no
   divisions of ints, no shifts). */
static inline __attribute__((always_inline)) void trace_int_op_local(UopState *u, uint32_t oparg) {
  u->sp[-1].as.i = sem_int_op_valid((Opcode)(oparg & 0xffu), u->sp[-1].as.i, u->locals[oparg >> 16].as.i);
}
static inline __attribute__((always_inline)) void trace_float_op_local(UopState *u, uint32_t oparg) {
  double r;
  (void)sem_float_op(u->vm, (Opcode)(oparg & 0xffu), u->sp[-1].as.f, u->locals[oparg >> 16].as.f, &r);
  u->sp[-1].as.f = r;
}
/* LOCAL_INT_OP_CONST: push the int in local oparg >> 16, op k (oparg's low byte). */
static inline __attribute__((always_inline)) void trace_local_int_op_const(UopState *u, uint32_t oparg, uint64_t k) {
  *u->sp++ = val_int(trace_int_op_const(oparg & 0xffu, k, u->locals[oparg >> 16].as.i));
}
/* COMPARE_CHAR_CONST and COMPARE_CHAR_LOCAL: whether the fused op can run without what
   get does on string s and int index i: the index is in the string and the heap has room
   for the one-byte string get would make (when not, get raises its error: the uop
   interpreter calls sem_get for it). */
static inline bool trace_char_in_reach(VM *vm, Value s, Value i) {
  return (uint64_t)i.as.i < as_string(s)->len && heap_has_room(&vm->heap, HEAP_OBJECT_BYTES + 1);
}
/* Then: whether that byte compares with the constant k (its first byte, and bit 8 when
   it is longer) as sem_cmp_string would, by mask. */
static inline bool trace_char_compares(Value s, Value i, uint32_t mask, uint64_t k) {
  unsigned char ch = (unsigned char)as_string(s)->chars[i.as.i], first = (unsigned char)k;
  int c = ch != first ? (ch < first ? -1 : 1) : -(int)(k >> 8 & 1);
  return (mask >> (c + 1)) & 1;
}
/* LEN_LOCAL: its operand, what the local must hold; whether local l holds it, and then
   its length. */
#define LEN_LOCAL_STRING 0u
#define LEN_LOCAL_ARRAY 1u
static inline bool trace_len_local_holds(const UopState *u, uint32_t l, uint64_t what) {
  return what == LEN_LOCAL_STRING ? is_string(u->locals[l]) : is_array(u->locals[l]);
}
static inline int64_t trace_len_local(const UopState *u, uint32_t l, uint64_t what) {
  return what == LEN_LOCAL_STRING ? (int64_t)as_string(u->locals[l])->len : (int64_t)as_array(u->locals[l])->len;
}
/* COMPARE_CHAR_LOCAL's operand: the constant's k (bits 0-8), the string's local (16-31)
   and the index's (32-47). */
#define CHAR_LOCAL_TEXT(operand) ((uint32_t)((operand) >> 16) & 0xffffu)
#define CHAR_LOCAL_INDEX(operand) ((uint32_t)((operand) >> 32) & 0xffffu)

/* BRANCH_COMPARE_LOCALS: whether it stays, comparing local oparg >> 16 with local l. */
static inline bool trace_branch_compare_locals(UopState *u, uint32_t oparg, uint64_t l) {
  return trace_compare_stays(oparg, u->locals[oparg >> 16].as.i, u->locals[l].as.i);
}
/* BRANCH_COMPARE_LOCAL_CONST: whether it stays, comparing local oparg >> 16 with k. */
static inline bool trace_branch_compare_local_const(UopState *u, uint32_t oparg, uint64_t k) {
  return trace_compare_stays(oparg, u->locals[oparg >> 16].as.i, (int64_t)k);
}

/* jit: when not NULL, every executor is compiled through it (the jit and jit-noopt tiers). */
void t2_init(VM *vm, const RunOptions *opts);
void t2_free(VM *vm);
/* Puts what the run counted outside the stats into them (T2State.nested_jumps): the
   VM calls it once, when the run has ended. */
void t2_fold_stats(VM *vm);

/* At a LOOP of function func (fuel already charged): the executor to run from the
   loop head, projecting one if the LOOP just got hot, or NULL to go on in t1. */
Executor *t2_loop_executor(VM *vm, uint32_t func, uint32_t loop_pc);


/* The executor linked to exit ex->exits[i], projecting one if the exit just got hot
   (taken in state `at`, whose top frame's operands the side trace begins with), or NULL
   to resume t1. */
Executor *t2_exit_executor(VM *vm, Executor *ex, uint32_t i, const UopState *at);

/* Marks ex invalid: never entered again (a running one leaves at its next LOOP). Its
   compiled code may be running (a stencil's call mutated a class): it is freed by
   t2_free_dead_code, which trace_run calls when compiled code has returned. */
void t2_invalidate(VM *vm, Executor *ex);
void t2_free_dead_code(VM *vm);

/* The class watcher (as CPython's type watchers): a class whose version a t1 cache took
   is mutated, and old_version is renewed (vm/object.c): every executor whose guards
   check old_version is invalidated, side traces and compiled code alike. */
void t2_class_version_renewed(VM *vm, uint32_t old_version);

/* Projection and optimization (the executor is built by t2_loop_executor and
   t2_exit_executor). trace_project fills code and exits from t1's current code. */
typedef struct {
  TraceInst code[TRACE_MAX_LEN];
  uint32_t len, loop_start;
  TraceExit exits[TRACE_MAX_LEN];
  uint32_t nexits;
  uint32_t depth;                     /* projection: the depth the next exit records */
  TraceEnd end;
  uint32_t unwarmed;                  /* instructions met that t1 has not tried to
                                         specialize yet, the one the trace ends at included */
  bool cut;                           /* localization's cut (SwitchedOff.trace_insts) ended it */
  uint32_t cut_func, cut_pc, cut_opcode;  /* and this is its last instruction, with its t1 opcode */
  int32_t entry_operands;             /* the values on its frame's operand stack when it
                                         begins: none at a function's entry, what the exit
                                         left for a side trace; -1: not known (a loop's) */
  uint64_t entry_kinds;               /* a side trace: the kinds its exit proved of its
                                         frame's locals (TraceExit.kinds) */
  bool entry;                         /* a root trace from its function's entry, built in
                                         the frame just entered (Executor.entry) */
} TraceBuffer;

/* The trace optimizer's rules (trace_optimize.c), each of which a localization can switch
   off alone (SwitchedOff.opt_rules): with one off, the optimizer still learns what it
   learns but never makes that rewrite. A rule that enables others comes before them
   (localization names the last of the rules whose switching off hides a bug).
   OPT_RULE(NAME, "name", "the rewrite") */
#define TESSERA_OPT_RULES(OPT_RULE)                                                                  \
  OPT_RULE(PROMOTE_GLOBALS, "promote-globals", "loads of globals become their values, behind a check of the globals version") \
  OPT_RULE(LOOP_KINDS, "loop-kinds", "locals whose kinds the loop keeps are guarded once, before the loop start, and known in the body; so is the iterator a loop keeps under its values") \
  OPT_RULE(EXIT_KINDS, "exit-kinds", "a side trace begins knowing the kinds of locals its parent trace proved where the exit is taken") \
  OPT_RULE(GUARD_KINDS, "guard-kinds", "a kind guard whose kinds are proven goes")                    \
  OPT_RULE(GUARD_OBJECT, "guard-object", "a shape or class-version guard the value already passed goes") \
  OPT_RULE(METHOD_CONST, "method-const", "a method load from the class of an instance whose shape and class version a guard proved becomes push_value_under of the method, when it holds no reference: no class walk, and the callee guard after it goes") \
  OPT_RULE(GUARD_CALLEE, "guard-callee", "a callee guard on a function or builtin known to be that one goes") \
  OPT_RULE(ELEM_KINDS, "elem-kinds", "a kind guard whose unproven values are all array elements goes, and the gets that pushed them check the kinds it wants instead: get_array_kind (fused: load_local_elem_kind and its forms)") \
  OPT_RULE(LOCAL_ATTR, "local-attr", "a load_local, then a shape guard and a slot load (store) on it, becomes load_local_attr (store_local_attr): the attribute read (written) in the local's instance, no reference count on it") \
  OPT_RULE(LOCAL_ELEM, "local-elem", "a load_local (or load_capture), then a load of an index and an array element get on the two, becomes load_local_elem (load_local_elem_at; from a capture load_capture_elem, load_capture_elem_at): the element read in the local's (closure's) array, no reference count on it") \
  OPT_RULE(LOCAL_ELEM_STORE, "local-elem-store", "a load_local, a load of an index, a push that cannot fail, then an array element set on the three, becomes the push and store_local_elem (store_local_elem_at): the element written in the local's array, no reference count on it") \
  OPT_RULE(CAPTURE_CELL, "capture-cell", "a load_capture, then a cell guard and cell_get on what it pushed, becomes load_capture_cell: the value read straight from the captured cell, no reference count on it") \
  OPT_RULE(CAPTURE_CELL_STORE, "capture-cell-store", "a load_capture, a push that cannot fail, then a cell guard and cell_set_cell on the two, becomes the push and store_capture_cell: the value written straight into the closure's captured cell, no reference count on it") \
  OPT_RULE(CAPTURE_ELEM_CELL, "capture-elem-cell", "a load_capture_elem_at, then a cell guard and cell_get_cell on what it pushed, becomes load_capture_elem_cell; with a push that cannot fail and cell_set_cell instead, the push and store_capture_elem_cell: the cell in the closure's captured array read or written straight, no reference count on the array or the cell") \
  OPT_RULE(KNOWN_LOAD, "known-load", "a load of a local whose value is known, or of a constant without references, becomes push_value")     \
  OPT_RULE(SCALAR, "scalar", "loads, stores and pops of values proven to hold no reference skip reference counting, and the pop_frame of a frame whose slots are all known releases only the others") \
  OPT_RULE(PUSH_POP, "push-pop", "a value pushed and popped right away is neither")                  \
  OPT_RULE(BOOL_BRANCH, "bool-branch", "a branch on a proven bool becomes branch_bool, on a proven int branch_compare_int_const with 0")               \
  OPT_RULE(COMPARE_BRANCH, "compare-branch", "compare_int, then branch_bool on its result, becomes branch_compare_int: no bool pushed, popped and tested; with loads of two locals before it, branch_compare_locals, which reads them where they are") \
  OPT_RULE(FINALIZER_CHECK, "finalizer-check", "a check_finalizers after nothing that may release goes") \
  OPT_RULE(KEY_FACT, "key-fact", "a has of a key the map is known to have becomes map_has_known") \
  OPT_RULE(GUARD_CELL, "guard-cell", "a cell guard on a value known to be a cell goes")               \
  OPT_RULE(CELL_FACT, "cell-fact", "a cell read after a write through the same local, with no cell written since, has the kinds written") \
  OPT_RULE(BUILTIN_SQRT, "builtin-sqrt", "a call of builtin sqrt on a proven float becomes call_sqrt_float (no kind checks, no dispatch)") \
  OPT_RULE(FOLD, "fold", "an operation on known operands becomes push_value of its result") \
  OPT_RULE(INT_CONST, "int-const", "a push of a known int and the int op on it become int_op_const (an idiv or mod by a multiplication), and with a branch_compare_int branch_compare_int_const: the int in the op, no push; after a load of a local, the op reads the local where it is (local_int_op_const, branch_compare_local_const)") \
  OPT_RULE(OP_LOCAL, "op-local", "a load of a local, then an int op that cannot fail (add, sub, mul, band, bor, bxor) or a float op (add, sub, mul, div) taking it as its right operand, becomes int_op_local or float_op_local: the operand read where it is, no push (with a dup between them, the dup goes: x * x)") \
  OPT_RULE(CHAR_COMPARE, "char-compare", "get_string_int, a push of a string constant and compare_string become compare_char_const, which compares the byte where it is and makes no one-byte string") \
  OPT_RULE(ENTRY_KINDS, "entry-kinds", "an entry trace's parameters that it reads, guarded once at its start to hold the kinds they held when it was built, so that the trace knows them") \
  OPT_RULE(LEN_LOCAL, "len-local", "a load_local, then a string or array guard and len_string or len_array on it, becomes len_local: the length read in the local's string or array, no reference count on it") \
  OPT_RULE(CONCAT_INT, "concat-int", "to_str of a proven int, then the string guard and the concat_string taking its string, become concat_int, which writes the digits after the other string's bytes: the int's string is never made") \
  OPT_RULE(DEFERRED_FRAMES, "deferred-frames", "a push_frame whose callee runs no call or return before its pop_frame_known becomes push_frame_deferred, and that pop pop_frame_deferred: compiled code writes no Frame record for it unless it leaves inside (a finalizer check in it that finds one due leaves)")

typedef enum {
#define OPT_RULE(NAME, name, doc) OPT_RULE_##NAME,
  TESSERA_OPT_RULES(OPT_RULE)
#undef OPT_RULE
  OPT_RULE__COUNT
} OptRule;

extern const char *const opt_rule_name[OPT_RULE__COUNT];

/* Every rule's bit of SwitchedOff.opt_rules (64 bits: a 65th rule widens it). */
STATIC_ASSERT(OPT_RULE__COUNT <= 64, "SwitchedOff.opt_rules has a bit per rule");
#define OPT_RULES_ALL (UINT64_MAX >> (64 - OPT_RULE__COUNT))

/* outer: a side trace's frames above its root's entry frame (its exit's depth), which
   it returns from into their callers, found in the VM's frames (the exit's now). */
bool trace_project(const VM *vm, uint32_t func, uint32_t start_pc, bool closes_loop, uint32_t outer, TraceBuffer *t,
                   TraceAbort *why);
void trace_optimize(VM *vm, TraceBuffer *t, T2Stats *stats);
void trace_list(const VM *vm, const TraceInst *code, uint32_t len, uint32_t loop_start, const TraceExit *exits,
                Buf *out);

/* Rewrites code (len uops, loop start *loop_start) for the uop interpreter: each
   guard followed by its form's action (same instruction, same operands) becomes one
   superinstruction. Returns the new length. */
uint32_t trace_fuse(TraceInst *code, uint32_t len, uint32_t *loop_start);

/* Runs executor ex from its first uop on the interpreter's state: its compiled code when
   it has some, else the uop interpreter. Returns ERR_NONE when it exits (t1 resumes at
   *pc in the top frame), or the error raised at *pc. */
ErrorKind trace_run(VM *vm, Executor *ex, UopState *u, uint32_t *pc);
/* The same for a function's entry executor, in the frame of a call just entered: a
   return from that frame comes back here without the uop interpreter's machinery. */
ErrorKind trace_run_entry(VM *vm, Executor *ex, UopState *u, uint32_t *pc);

/* call_trace's body, the uop interpreter's and the stencil's: the frame of function
   callee, taking argc arguments, from the call at offset at, then the callee's entry
   executor run nested (its compiled code straight from here when it has some), while
   fewer than the bound (T2State.max_nested) run. Answers
     TRACE_CALL_RETURNED  it returned to this frame: u is the caller's state after the call
     TRACE_CALL_FAILED    the frame could not be entered: nothing changed, the error kind is
                          vm->t2->left_err
     TRACE_CALL_LEFT      the VM's state is where t1 takes it (u), at vm->t2->left_pc of
                          the top frame, or with the error vm->t2->left_err raised there:
                          the nested run left elsewhere, or there was none to run (no
                          executor yet, or the bound), and the callee starts in t1
     TRACE_CALL_NEST      only with nest (else NULL): the frame is entered, and its entry
                          executor, *nest, has compiled code that may run nested
                          (trace_nests_compiled), which the caller runs: compiled code
                          jumps into it (jit/template.c) */
typedef enum { TRACE_CALL_RETURNED, TRACE_CALL_FAILED, TRACE_CALL_LEFT, TRACE_CALL_NEST } TraceCall;
TraceCall trace_call(VM *vm, UopState *u, uint32_t callee, uint32_t argc, uint32_t at, Executor **nest);

/* A nested run begins, in the frame just pushed above `frames` frames: answers the
   nest_frames before it, which trace_nest_end puts back. Every nested run, the uop
   interpreter's, compiled code's called from C or jumped to (jit/template.c), begins
   and ends this way; all but the jumped-to count it here (T2State.nested_jumps). */
static inline uint32_t trace_nest_push(T2State *s, uint32_t frames) {  /* uncounted */
  uint32_t outer_frames = s->nest_frames;
  s->nesting++;
  s->nest_frames = frames;
  return outer_frames;
}
static inline uint32_t trace_nest_begin(T2State *s, uint32_t frames) {
  s->stats->nested_calls++;
  return trace_nest_push(s, frames);
}
static inline void trace_nest_end(T2State *s, uint32_t outer_frames) {
  s->nesting--;
  s->nest_frames = outer_frames;
}

/* CONCAT_INT (rule concat-int) on slots[0], a string, and slots[1], an int: the string
   followed by the int's decimal digits, made as one string into slots[0], whose string
   is released; true. t1 makes the int's string first (to_str), then the concatenation,
   and frees the first: so when the heap has no room for both at once, one of the two
   raises heap there, and this is false with nothing done (the uop interpreter then makes
   them apart). Called by the uop interpreter and by compiled code. */
bool trace_concat_int(VM *vm, Value *slots);

/* Compiled code that left ex at uop `index`, the callee's locals at `locals`: when
   that uop is inside a deferred frame (rule deferred-frames: docs/tier2.md, "Deferred
   frames"), the frame's record is written as push_frame would have written it, so that
   what follows (the uop interpreter, t1, a side trace) runs with the interpreter's
   frames. vm/trace_run.c calls it for every leave of an executor that defers frames,
   and the side entry (jit/template.c) for an exit from inside one. */
void trace_write_deferred(VM *vm, const Executor *ex, uint32_t index, const Value *locals);

/* Whether a nested run of ex, the callee's entry executor, may be its compiled code:
   ex has compiled code, and fewer than the bound (max_nested) run. */
static inline bool trace_nests_compiled(const T2State *s, const Executor *ex) {
  return ex && ex->jit && !ex->dormant && s->nesting < s->max_nested;
}
/* How such a run ends when its code left other than by returning to its caller: the uop
   interpreter goes on from where it left (jf, r), and the answer is trace_call's. */
TraceCall trace_nested_left(VM *vm, UopState *u, JitFrame *jf, JitResult r, uint32_t frames, uint32_t outer_frames);
/* Compiled code that C called while `nesting` runs were nested, and that left with r
   from deeper: from a run its call_trace stencils nested without a C call
   (T2State.nested). Each such run, innermost first, ends as trace_nested_left ends a
   nested run: when it returned to its call, the caller's code goes on after the call
   (called from here), else the caller leaves too, as the call_trace (JIT_LEFT_NESTED).
   Answers what the code C called left with, its JitFrame written. */
JitResult trace_settle(VM *vm, JitResult r, uint32_t nesting);
/* Whether an entry executor's compiled code, run in the frame pushed above `frames`
   frames, left by returning from that frame (trace_enter_compiled's common case). */
static inline bool trace_entry_returned(const VM *vm, JitResult r, uint32_t frames) {
  return JIT_RESULT_REASON(r) == JIT_LEFT_RETURN && vm->nframes == frames;
}
/* Calls entry executor ex's compiled code from its first uop, in the frame just pushed
   above `frames` frames, jf receiving what it leaves, and answers what it left with;
   when that is the return from its frame, u is the caller's state after the call. */
static inline __attribute__((always_inline)) JitResult trace_enter_compiled(VM *vm, Executor *ex, UopState *u,
                                                                            JitFrame *jf, uint32_t frames) {
  vm->t2->stats->jit_entries++;
  /* The stack pointer after the return (frame_return): above the result in the callee
     slot, or at that slot when the result is dropped (a finalizer's, FRAME_RET_NOTHING) */
  size_t result = (size_t)(u->locals - vm->stack) - frame_ret_drops(frame_top(vm)->ret);
  *jf = (JitFrame){.vm = vm, .sp = u->sp, .locals = u->locals, .executor = ex};
  uint32_t nesting = vm->t2->nesting;
  JitResult r = ((JitEntry)(void *)ex->jit->mem)(jf, u->sp, u->locals, JIT_TOPS(u->sp));
  if (UNLIKELY(vm->t2->nesting != nesting)) r = trace_settle(vm, r, nesting);
  if (LIKELY(trace_entry_returned(vm, r, frames))) {
    vm->t2->stats->returns++;
    /* From the frames, not from jf, which the code just wrote: a load of both fields at
       once would wait for those stores. */
    u->sp = vm->stack + result;
    u->locals = vm->stack + frame_top(vm)->base;
  }
  return r;
}
/* Runs ex's compiled code nested in the frame just pushed above `frames` frames. */
static inline __attribute__((always_inline)) TraceCall trace_nested_compiled(VM *vm, UopState *u, Executor *ex,
                                                                             uint32_t frames) {
  T2State *s = vm->t2;
  uint32_t outer_frames = trace_nest_begin(s, frames);
  JitFrame jf;
  JitResult r = trace_enter_compiled(vm, ex, u, &jf, frames);
  if (UNLIKELY(!trace_entry_returned(vm, r, frames))) return trace_nested_left(vm, u, &jf, r, frames, outer_frames);
  trace_nest_end(s, outer_frames);
  return TRACE_CALL_RETURNED;
}

/* The function a generic call of callee with argc arguments enters the way call_trace
   does: a function, or a closure's (which stays in the callee slot), taking argc
   arguments; else UINT32_MAX (a class, a builtin, a wrong arity, not callable). */
static inline uint32_t trace_call_any_function(const VM *vm, Value callee, uint32_t argc) {
  uint32_t fn = callee.kind == VAL_FUNC ? callee.as.fn : is_closure(callee) ? as_closure(callee)->fn : UINT32_MAX;
  return fn != UINT32_MAX && vm->t2->at_entry[fn].nparams == argc ? fn : UINT32_MAX;
}

/* call_any's body: the generic call at offset at of the value under the argc arguments,
   as t1's CALL makes it. A function or closure of the right arity: as trace_call. A
   class: its instance (frame_call_class), then init's frame and entry executor as
   trace_call's, or, when the call fails, TRACE_CALL_LEFT with the error (the instance
   came and went: the call is not made again). A builtin, a wrong arity or a value that
   cannot be called: TRACE_CALL_LEFT at the call, nothing changed, for t1 to make it. */
TraceCall trace_call_any(VM *vm, UopState *u, uint32_t argc, uint32_t at, Executor **nest);

/* check_finalizers' body when a finalizer is due before the instruction at `at`: every
   due finalizer called as t1 calls them (interp.h: finalize), each one's entry executor
   run nested as trace_call's, the check counted (finalizer_leaves).
   TRACE_CALL_RETURNED: none is due any more, and the trace goes on after the check (the
   optimizer forgot there what the finalizers may change), or takes its exit when it
   promoted globals (CHECK_FINALIZERS_EXIT); else TRACE_CALL_LEFT as trace_call's, at
   `at` when a finalizer's call failed. */
TraceCall trace_finalize(VM *vm, UopState *u, uint32_t at);

#endif
