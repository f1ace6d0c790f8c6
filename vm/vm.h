/* vm.h: one VM instance: limits, heap, globals, output, checksum, error state and
 * the value stack; and the entry point that runs a module under a tier.
 * The VM library keeps no mutable global state: everything a run touches hangs off a VM
 * (its tables are constants, some filled once at start-up). The one process-wide
 * resource a run may use is the JIT's: the jit tiers compile through the JitHooks they
 * are handed (vm/trace.h), and jit/ keeps one arena of code pages per process
 * (jit/jit_memory.c). */
#ifndef TESSERA_VM_H
#define TESSERA_VM_H

#include "buf.h"
#include "errors.h"
#include "heap.h"
#include "module.h"
#include "object.h"
#include "observation.h"

/* TIER(NAME, "name", "what runs") */
#define TESSERA_TIERS(TIER)                                                  \
  TIER(REF, "ref", "reference interpreter: generic instructions only")       \
  TIER(T1, "t1", "specializing adaptive interpreter: quickening, inline caches, deopt") \
  TIER(T2, "t2", "t1, and hot loops run as optimized traces of uops, with exact exits") \
  TIER(T2_NOOPT, "t2-noopt", "t2 with the trace optimizer off") \
  TIER(JIT, "jit", "t2's optimized traces compiled to machine code by copy-and-patch") \
  TIER(JIT_NOOPT, "jit-noopt", "jit with the trace optimizer off")

typedef enum {
#define TIER(name, text, doc) TIER_##name,
  TESSERA_TIERS(TIER)
#undef TIER
  TIER__COUNT
} Tier;

extern const char *const tier_name[TIER__COUNT];

/* What runs in a tier: t1's quickening, t2's traces, the JIT's machine code. */
static inline bool tier_quickens(Tier t) { return t != TIER_REF; }
static inline bool tier_traces(Tier t) { return t == TIER_T2 || t == TIER_T2_NOOPT || t == TIER_JIT || t == TIER_JIT_NOOPT; }
static inline bool tier_compiles(Tier t) { return t == TIER_JIT || t == TIER_JIT_NOOPT; }
extern const char *const tier_doc[TIER__COUNT];
int tier_from_name(const char *name);

typedef enum { DISPATCH_GOTO, DISPATCH_SWITCH } Dispatch;

/* Resource limits are semantics: hitting one is a deterministic runtime error. */
typedef struct {
  uint64_t fuel;        /* units: each LOOP and each CALL costs one */
  uint64_t max_depth;   /* VM frames, main included */
  uint64_t max_heap;    /* accounted heap bytes (heap.h) */
  uint64_t max_output;  /* bytes written by PRINT */
} Limits;

#define LIMIT_DEFAULT_FUEL 1000000000ull
#define LIMIT_DEFAULT_DEPTH 1000ull
#define LIMIT_DEFAULT_HEAP (256ull << 20)
#define LIMIT_DEFAULT_OUTPUT (1ull << 20)
/* A fixed bound on the value stack, so that a module with huge frames raises ERR_DEPTH
   instead of exhausting host memory. CALL checks: (slots in use below the callee's
   first argument: every caller's callee slot, locals and operands) + the callee's whole
   frame (params + locals + max_stack) <= VM_MAX_STACK_SLOTS. main's frame alone is
   checked the same way. Later tiers, inlined frames included, apply the same rule. */
#define VM_MAX_STACK_SLOTS (1u << 20)

Limits limits_default(void);

struct T1Cache;
struct T1Stats;
struct T2State;
struct T2Stats;
struct JitHooks;

/* What a frame's return gives its caller (frames.h: frame_return). */
typedef enum {
  FRAME_RET_VALUE,     /* the returned value: a call, an operator method */
  FRAME_RET_INSTANCE,  /* the instance in the callee slot: an init entered by a class call */
  FRAME_RET_NOTHING,   /* nothing: op_set, whose instruction pushes nothing */
  FRAME_RET_FINALIZER, /* nothing, and a finalizer call ends (docs/semantics.md section 23.8) */
} FrameRet;

/* A call frame: its function, where it resumes (callers only), and the stack index of
   its local 0. */
typedef struct Frame {
  uint32_t func;
  uint32_t pc;  /* callers: where the frame resumes */
  size_t base;
  uint8_t ret;  /* FrameRet */
  uint32_t at;  /* callers: the instruction that made the call, where an error raised in
                   the callee and not caught there is looked up (docs/semantics.md 26) */
} Frame;

/* Operator methods (docs/semantics.md section 23.7): the instruction that consults
   each, and the class attribute it looks for; DEL is the finalizer, which no
   instruction consults: a release does (section 23.8). OPERATOR(NAME, "method") */
#define TESSERA_OPERATORS(OPERATOR) \
  OPERATOR(ADD, "op_add")           \
  OPERATOR(SUB, "op_sub")           \
  OPERATOR(EQ, "op_eq")             \
  OPERATOR(LT, "op_lt")             \
  OPERATOR(GET, "op_get")           \
  OPERATOR(SET, "op_set")           \
  OPERATOR(LEN, "op_len")           \
  OPERATOR(STR, "op_str")           \
  OPERATOR(BOOL, "op_bool")         \
  OPERATOR(DEL, "op_del")

typedef enum {
#define OPERATOR(name, method) OPM_##name,
  TESSERA_OPERATORS(OPERATOR)
#undef OPERATOR
  OPM__COUNT
} OperatorId;

extern const char *const operator_method_name[OPM__COUNT];

/* An operator method call an instruction asks for (sem_operator): the interpreter
   makes it, with the instruction's argc operands as arguments. */
typedef struct {
  uint32_t func;  /* the method */
  uint8_t argc;
  uint8_t ret;    /* FrameRet of its frame */
  bool again;     /* the caller resumes at the instruction itself (truth tests) */
} Invoke;

/* Test-only faults: each makes one tier wrong on purpose, so the oracle's self-tests
   can prove that a divergence is caught. FAULT(NAME, "name", "what goes wrong") */
#define TESSERA_FAULTS(FAULT) \
  FAULT(NONE, "none", "no fault") \
  FAULT(T1_SUB_ADDS, "t1-sub-adds", "t1 specializes int - int into the int + form") \
  FAULT(T2_LOOP_FREE, "t2-loop-free", "a t2 trace's closing LOOP charges no fuel") \
  FAULT(STALE_SUBCLASS, "stale-subclass", "a class mutation renews its own version but not its subclasses'") \
  FAULT(T2_BRANCH_NO_BOOL, "t2-branch-no-bool", "a trace's branch tests an instance's truth without its op_bool") \
  FAULT(T2_FINALIZER_LATE, "t2-finalizer-late", "traces have no finalizer checks: finalizers run when the trace leaves") \
  FAULT(SWAP_REMOVE, "swap-remove", "array_remove moves the last element into the hole instead of shifting the rest down") \
  FAULT(MAP_REVIVE, "map-revive", "a key stored again after its deletion takes back its old place in the order") \
  FAULT(MAP_STALE_HINT, "map-stale-hint", "a map lookup with a string key trusts t1's hint without checking the key there") \
  FAULT(ITER_STALE_LENGTH, "iter-stale-length", "iteration over an array runs to the length it had when it began") \
  FAULT(ITER_MAP_UNCHECKED, "iter-map-unchecked", "t1's and t2's map iteration skips the check that the map kept its size") \
  FAULT(T2_KEY_FACT_STALE, "t2-key-fact-stale", "the trace optimizer's facts that a map has a key outlive a del_key") \
  FAULT(OPT_GUARD_NUMBER, "opt-guard-number", "the trace optimizer takes a value that may be an int or a float as proven an int (or a float) and drops its guard") \
  FAULT(T2_EXIT_STALE_LOCAL, "t2-exit-stale-local", "t2's uop interpreter leaves the last local a trace stored holding its old value when an exit is taken (scalars only)") \
  FAULT(CATCH_RANGE_END, "catch-range-end", "t1 and t2 take a handler's range as ending one instruction later: the instruction right after it is protected too") \
  FAULT(T2_CELL_FACT_ALIAS, "t2-cell-fact-alias", "the trace optimizer takes a cell written through one reference as unchanged under every other") \
  FAULT(OPT_FOLD_SUB, "opt-fold-sub", "the trace optimizer folds an int subtraction of known operands as an addition") \
  FAULT(T2_LOCAL_ATTR_ANY_SHAPE, "t2-local-attr-any-shape", "load_local_attr and store_local_attr check that the local holds an instance, not its shape: they read or write the cached slot of an instance of another shape") \
  FAULT(T2_LOCAL_ATTR_PROVEN_ALWAYS, "t2-local-attr-proven-always", "the trace optimizer marks every load_local_attr and store_local_attr as proven by a fact, so that compiled code reads or writes the slot of whatever the local holds without a check") \
  FAULT(T2_CAPTURE_CELL_FLOAT, "t2-capture-cell-float", "load_capture_cell pushes a float it reads from the captured cell as the int it truncates to, as if the read were specialized to the int the cell held when the trace was made") \
  FAULT(T2_LOCAL_ELEM_ANY_INDEX, "t2-local-elem-any-index", "load_local_elem, load_capture_elem and their _at forms check the index's bounds but not that it is an int: a bool, nil or 0.0 index reads the element its bits name (0 or 1) instead of exiting for t1 to raise the type error") \
  FAULT(T2_EXIT_KINDS_AFTER, "t2-exit-kinds-after", "the trace optimizer notes at an exit the kinds of locals proven once its uop passed, not before: a side trace from a kind guard's exit begins sure of the very kinds the guard found missing") \
  FAULT(T2_STORE_ELEM_KEEPS_OLD, "t2-store-elem-keeps-old", "store_local_elem and store_local_elem_at do not release the element they replace: an object a trace overwrites in a local's array is never freed") \
  FAULT(T2_ELEM_KIND_UNCHECKED, "t2-elem-kind-unchecked", "get_array_kind, load_local_elem_kind and their forms do not check the element's kind: an element of another kind than the guard they replaced wanted goes on to the operation that wanted it (a float operation reads an int's bits)") \
  FAULT(T2_STORE_CELL_KEEPS_OLD, "t2-store-cell-keeps-old", "store_capture_cell does not release the value it replaces: an object a trace overwrites in a closure's captured cell is never freed") \
  FAULT(T2_COMPARE_BRANCH_EQUAL, "t2-compare-branch-equal", "the trace optimizer makes branch_compare_int with its comparison's mask lacking the equal bit: a <= branches as <, a >= as >, an == never holds") \
  FAULT(T2_INT_CONST_MAGIC_LOW, "t2-int-const-magic-low", "the trace optimizer gives an int_op_const's idiv or mod the multiplier floor(2^(63 + l) / d), one less than the right one: exact for a power of two, one short for an exact multiple of any other divisor (x % 10 of 20 is 10)") \
  FAULT(T2_COMPARE_CONST_SWAPPED, "t2-compare-const-swapped", "the trace optimizer makes branch_compare_int_const compare its int with the value rather than the value with its int (the comparison's less and greater swapped): a x < 5 branches as 5 < x; == and != are right") \
  FAULT(T2_OP_LOCAL_NEXT, "t2-op-local-next", "the trace optimizer makes int_op_local and float_op_local read the local after the one loaded, when the frame has one: an index off by one") \
  FAULT(T2_ELEM_CELL_INDEX_ZERO, "t2-elem-cell-index-zero", "the trace optimizer makes load_capture_elem_cell and store_capture_elem_cell of element 0 of the captured array whatever the load's index: a closure reads and writes its first cell in place of another") \
  FAULT(T2_INLINE_FACTS_KEPT, "t2-inline-facts-kept", "the trace optimizer ends the object facts of the trace's own frame only when a uop may change objects: an inlined method's self keeps the shape its caller's guard proved after the method changed it through another reference") \
  FAULT(T2_ITER_GUARD_UNCHECKED, "t2-iter-guard-unchecked", "the trace optimizer moves a loop's iterator guard before the loop start even when the body takes the iterator: a loop that replaces its iterator by one of another kind walks it as the first kind") \
  FAULT(T2_LOOP_KINDS_UNCHECKED, "t2-loop-kinds-unchecked", "the trace optimizer takes the kinds a loop's locals have when its trace is built as kept by the loop, unchecked: a local the body changes to another kind keeps its old one in the optimizer's eyes") \
  FAULT(T2_CHAR_COMPARE_FIRST_BYTE, "t2-char-compare-first-byte", "the trace optimizer makes compare_char_const of a constant longer than one byte compare with its first byte alone (\"ab\" as \"a\")") \
  FAULT(T2_CONCAT_INT_ROOM, "t2-concat-int-room", "the trace optimizer's concat_int checks the heap's room for the concatenation alone, not for the int's string that to_str makes first: near the heap limit it makes the string where t1 raises heap") \
  FAULT(T2_CALL_TRACE_PURE, "t2-call-trace-pure", "the trace optimizer takes a call_trace's or call_any's callee as changing nothing: object, key and cell facts live on past it, and a trace with one promotes globals") \
  FAULT(T2_FINALIZER_PURE, "t2-finalizer-pure", "the trace optimizer takes the finalizers a check_finalizers calls as changing nothing: object, key and cell facts live on past a check after which the trace goes on") \
  FAULT(T2_METHOD_CONST_BASE_TOO_FAR, "t2-method-const-base-too-far", "the trace optimizer's method-const walks one base further up than t1's cache found the method: a subclass's own method is read at its index in the base, another attribute there") \
  FAULT(T2_METHOD_CONST_OWN_CLASS, "t2-method-const-own-class", "the trace optimizer's method-const reads every method from the receiver's own class: a method inherited from a base is read at its index in the subclass, another attribute there") \
  FAULT(T2_FINALIZER_ANY_VERSION, "t2-finalizer-any-version", "compiled code calling a finalizer directly (trace_run.c: finalize_compiled) takes the op_del it found last for an instance of the same class whatever the class's version: an op_del rebound since is not seen") \
  FAULT(T2_FINALIZER_DIRECT_RESUME_AFTER, "t2-finalizer-direct-resume-after", "compiled code calling a finalizer directly (trace_run.c: finalize_compiled) sets its caller to resume after the instruction the finalizer ran before, as an operator call that is not made again would: when the finalizer's code leaves before its return, t1 returns past that instruction") \
  FAULT(T2_LEN_LOCAL_EXIT_LATE, "t2-len-local-exit-late", "the trace optimizer's len_local keeps its guard's exit at the len, not the load: t1 resumes there without the operand the load pushed") \
  FAULT(T2_ENTRY_KINDS_UNGUARDED, "t2-entry-kinds-unguarded", "the trace optimizer takes an entry trace's parameters to hold the kinds they held when it was built, without the guards at its start that check them") \
  FAULT(T2_INIT_POP_VALUE, "t2-init-pop-value", "the trace projector makes the return of an init it inlined a plain pop_frame: the optimizer takes the frame for one that returns a value, and the class call gives init's result instead of the instance") \
  FAULT(T2_ATTR_CACHE_ANY_CLASS, "t2-attr-cache-any-class", "a trace's attribute cache keys its entries by the instance's shape alone: a place found on one class is read on an instance of another class of the same shape") \
  FAULT(T2_HANDLER_FIRST, "t2-handler-first", "a catch in a function with several handlers runs the executor built for its first handler that got hot, whichever handler caught it: the other handlers' code is not the one that runs") \
  FAULT(JIT_DEFERRED_FRAME_RECHARGED, "jit-deferred-frame-recharged", "writing a deferred frame's record when compiled code leaves inside it charges the call's fuel again, as frame_push would") \
  FAULT(BUILTIN_GUARD_KIND, "builtin-guard-kind", "a builtin call's guard (t1, t2, jit) checks that the callee is a builtin, not which one") \
  FAULT(JIT_OPERAND_X86_64, "jit-operand-x86_64", "on x86-64, the JIT patches push_value's operand hole one too high") \
  FAULT(JIT_OPERAND_AARCH64, "jit-operand-aarch64", "on AArch64, the JIT patches push_value's operand hole one too high") \
  FAULT(ARCH_FUEL_AARCH64, "arch-fuel-aarch64", "on AArch64, every tier, ref too, counts one fuel unit less: its tiers agree, the architectures do not")

typedef enum {
#define FAULT(name, text, doc) FAULT_##name,
  TESSERA_FAULTS(FAULT)
#undef FAULT
  FAULT__COUNT
} Fault;

extern const char *const fault_name[FAULT__COUNT];
int fault_from_name(const char *name);

/* Parts of the tiers switched off, to find which one is wrong (oracle/localize.c). All
   zero in every other run. */
typedef struct {
  const uint64_t *t1_forms;  /* bit set over the specialized forms (bit op of word op / 64):
                                t1 never chooses those, so the instruction stays generic */
  bool renew_all_classes;    /* a class that changes renews the version of every class, not
                                only its own and its subclasses' (object.c) */
  bool hints_unused;         /* map lookups never trust t1's hint: they search (map.c) */
  uint64_t opt_rules;        /* bit per OptRule (trace.h): the trace optimizer never applies them */
  bool cut;                  /* traces end after trace_insts instructions (an exit to the next
                                one; 0: none is built); T2Stats.cut_* tell what the last was */
  uint32_t trace_insts;
  bool jit_part;             /* compiled traces compile only their first jit_uops uops; each
                                later one is handed to the uop interpreter, and compiled code
                                goes on after it; T2Stats.cut_* tell what the last one is */
  uint32_t jit_uops;
  bool jit_below;            /* only the executors with ids below jit_id are compiled, whole,
                                and with jit_part, the one with id jit_id too (in part) */
  uint32_t jit_id;
  bool every_check;          /* traces check for a due finalizer before every instruction, not
                                only after one that may release an object (trace_project.c) */
  bool instance_branches;    /* where a class defines op_bool, a trace's branch leaves the truth
                                of every instance to the interpreter, not only of those whose
                                class defines it (trace.h: trace_branch) */
  bool no_handler_traces;    /* no trace is built or entered at a handler (trace_executor.c:
                                t2_handler_executor) */
  bool no_direct_finalizers; /* compiled code calls every due finalizer through the generic
                                operator call (trace_run.c: finalize_compiled) */
  bool t2_upto;              /* only the executors with ids up to t2_id run, and only the one
                                with id t2_id is cut; the others are built but dormant:
                                entered, they leave at once for t1 */
  uint32_t t2_id;
} SwitchedOff;

/* How many of the len uops of executor `id` the JIT compiles under off: len, fewer
   (jit_part), or none, -1, when it is not compiled at all (jit_below). */
static inline int64_t switched_off_jit_uops(const SwitchedOff *off, uint32_t id, uint32_t len) {
  bool part = off->jit_part && (!off->jit_below || id == off->jit_id);
  if (off->jit_below && id >= off->jit_id && !part) return -1;
  return part && off->jit_uops < len ? off->jit_uops : len;
}

typedef struct {
  Tier tier;
  Dispatch dispatch;
  Limits limits;
  Fault fault;              /* FAULT_NONE except in the oracle's self-tests */
  uint32_t warmup;          /* t1: an instruction first tries to specialize at its
                               warmup-th execution */
  struct T1Stats *stats;    /* if not NULL, t1 counts into it */
  SwitchedOff off;           /* localization only: parts of the tiers that do not act */
  Buf *quickened;           /* if not NULL, t1 lists its quickened code here */
  uint32_t trace_threshold; /* t2: a LOOP projects a trace at its threshold-th run */
  uint32_t max_nested;      /* t2: executors run nested at most, one in another's call
                               (docs/tier2.md; default TRACE_MAX_NESTED) */
  bool trace_opt;           /* t2, jit: optimize traces (t2-noopt, jit-noopt, or --opt=off: never) */
  struct T2Stats *t2_stats; /* if not NULL, t2 counts into it */
  Buf *traces;              /* if not NULL, t2 lists every trace here (--dump-traces) */
  struct StepWatch *watch;  /* localization only, ref and t1: if not NULL, the interpreter
                               built with steps runs and marks places (step_watch.h) */
  struct StepWatch *hand_backs;  /* the frame-state check, tiers with traces: if not NULL,
                               every state a trace hands back is logged here (step_watch.h) */
  const struct JitHooks *jit; /* the jit tiers: the compiler t2 hands its traces to
                               (vm/trace.h; jit/jit.h makes one); required there */
  uint32_t placement;       /* benchmarking: the value stack and the frame array placed this
                               many slots and frames further into their memory (VM.placement) */
} RunOptions;

/* A run's trace threshold: its option, or 1 when unset (t1_init's LOOP counters and
   t2_init's counts both start from it). */
static inline uint32_t run_trace_threshold(const RunOptions *o) { return o->trace_threshold ? o->trace_threshold : 1; }

/* Options for a run: the given tier, goto dispatch, default limits and warmup. */
RunOptions run_options_default(Tier tier);

/* Tier 1's per-run state: its own copy of every function's code, rewritten as it
   quickens, and an inline cache for every instruction offset. */
typedef struct {
  uint8_t **code;
  struct T1Cache **cache;
  uint32_t warmup;
  struct T1Stats *stats;
  SwitchedOff off;            /* RunOptions.off: t1_forms, renew_all_classes and hints_unused
                                 are t1's (specialize.c, object.c, map.c) */
  Fault fault;
} T1State;

typedef struct VM {
  const Module *module;
  Limits limits;
  Heap heap;
  Value *consts;       /* the constant pool as values (strings live on the heap) */
  Value *globals;      /* nil on entry */
  Buf output;
  uint64_t globals_version;  /* bumped by every global store: guards cached loads */
  ShapeTable shapes;         /* instance layouts (object.h) */
  uint32_t next_class_version;  /* object.h: 0 once spent */
  uint32_t init_name;        /* the string constant "init", or SHAPE_NONE: no class can have it */
  uint64_t class_invalidations;  /* versions renewed that a t1 cache had taken (statistics) */
  uint32_t operator_name[OPM__COUNT];  /* constant index of each operator method's name, or SHAPE_NONE */
  Invoke invoke;                 /* the operator method call last asked for */
  uint32_t finalizers_running;   /* finalizer calls entered and not returned: while one runs,
                                    released instances keep waiting (frames.h: finalizer_due) */
  Value raised;                  /* the value of an ERR_RAISED being raised (a reference), else nil */
  T1State t1;
  struct T2State *t2;  /* the tiers with traces only: t2, t2-noopt, jit, jit-noopt (trace.h) */
  uint64_t fuel_used;
  struct StepWatch *watch;  /* RunOptions.watch */
  struct StepWatch *hand_backs;  /* RunOptions.hand_backs */
  uint64_t checksum;
  uint64_t probes;                            /* PROBE instructions executed */
  uint64_t probe_trace[OBS_PROBE_TRACE_MAX];  /* checksum after each of the first probes */
  /* The first runtime error, if any. */
  ErrorKind error;
  uint32_t error_func, error_pc;
  char error_detail[200];
  /* The value stack shared by all frames; indices, not pointers, survive growth.
     VM_STACK_FLOOR nil slots lie below stack[0]: read, never written (see below). */
  Value *stack;
  size_t stack_cap;
  /* Benchmarking (tessera run --placement): nil slots between the floor and stack[0],
     and as many unused Frames below frames[0], which move the two arrays against each
     other and the VM's others. The time of a call-heavy benchmark moves with that
     alone (fib under jit from 0.49 to 0.66 s: cache sets, and loads the processor
     holds back for stores to addresses 4 KiB apart), so two builds are compared over
     several placements (bench/README.md). */
  size_t placement;
  uintptr_t stack_end;  /* the address of stack[stack_cap]: compiled code's bound (frames.h: frame_room_at) */
  /* The call frames (frames.h), main's first. */
  struct Frame *frames;
  size_t nframes, frames_cap;
} VM;

void vm_init(VM *vm, const Module *m, Limits limits);
/* The frame array (re)allocated for cap frames (VM.placement below frames[0]). */
void vm_grow_frames(VM *vm, size_t cap);
/* Releases everything the VM holds, cycles included. */
void vm_teardown(VM *vm);
/* Compiled code passes the payloads of the three top stack slots from one stencil to the
   next in registers (vm/jit_abi.h), reading them even when the stack holds fewer: the
   floor keeps those reads inside the allocation. */
#define VM_STACK_FLOOR 3

/* Makes room for `slots` values from the bottom of the stack: the check inline (every
   call enters a frame through it), the growth out of line. */
void vm_grow_stack(VM *vm, size_t slots);
static inline void vm_reserve_stack(VM *vm, size_t slots) {
  if (UNLIKELY(slots > vm->stack_cap)) vm_grow_stack(vm, slots);
}

/* Records an error detail (the kind and location are set by the interpreter). */
ErrorKind vm_fail(VM *vm, ErrorKind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* JIT stencils record no detail: a failed uop is run again by the uop interpreter, which
   records it (jit/template.c). */
#ifdef TESSERA_STENCIL
#define vm_fail(vm, kind, ...) ((void)(vm), (kind))
#endif

/* Runs main. Returns true and an owned *result when main returns; false with
   vm->error set on a runtime error. Implemented by each tier. */
bool ref_run_goto(VM *vm, Value *result);
bool ref_run_switch(VM *vm, Value *result);
bool t1_run_goto(VM *vm, Value *result);
bool t1_run_switch(VM *vm, Value *result);
bool ref_run_steps(VM *vm, Value *result);  /* vm->watch set */
bool t1_run_steps(VM *vm, Value *result);
bool t2_run_goto(VM *vm, Value *result);
bool t2_run_switch(VM *vm, Value *result);

/* Runs a verified module in a fresh VM and fills in the observation. */
void vm_run_module(const Module *m, const RunOptions *opts, Observation *obs);

#endif
