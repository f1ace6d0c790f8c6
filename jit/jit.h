/* jit.h: the copy-and-patch JIT, a layer above the VM library: compile an optimized
 * trace into machine code and free it, and the hook (jit_hooks) through which t2 asks
 * for that, since the VM library never calls up into jit/. Compiled code is run by t2
 * (vm/trace_run.c) through the ABI of vm/jit_abi.h.
 *
 *   trace (TraceInst[]) ──> jit_emit: for each uop, its stencil's bytes (the trailing
 *   jump to the next stencil left out), every hole patched by reloc_apply ──> pages of
 *   the JIT arena, read-write while patched, then read-execute (jit_memory.c)
 *
 * The stencils of both architectures are compiled into every build (jit/CMakeLists.txt);
 * the host's set runs, the other is emitted into plain memory by the tests. */
#ifndef TESSERA_JIT_H
#define TESSERA_JIT_H

#include "jit_abi.h"
#include "stencil.h"
#include "trace.h"

#ifndef TESSERA_NO_STENCILS
extern const StencilSet stencils_x86_64, stencils_aarch64;
#endif

/* The host's stencil set, or NULL when the host is neither x86-64 nor AArch64. */
const StencilSet *jit_host_set(void);

/* Whether op's oparg is a local's index, which the emitter patches as the local's byte
   offset (index * sizeof(Value)): indexing with it, a stencil spares the scaling. */
static inline bool jit_oparg_is_local(int op) {
  return op == UOP_LOAD_LOCAL || op == UOP_LOAD_LOCAL_SCALAR || op == UOP_STORE_LOCAL || op == UOP_STORE_LOCAL_SCALAR;
}

/* Whether op's operand is the bits of a value (push_value, push_value_under: trace_value),
   which the emitter patches as the value's payload. */
static inline bool jit_operand_is_value(int op) { return op == TOP_PUSH_VALUE || op == TOP_PUSH_VALUE_UNDER; }

/* Whether op calls a callee the trace knows, its operand (TraceInst), whose EntrySlot
   compiled code reads (jit_emit.c: operand_of). */
static inline bool jit_known_callee(int op) {
  return op == TOP_PUSH_FRAME || op == TOP_PUSH_FRAME_DEFERRED || op == TOP_PUSH_INIT_FRAME || op == TOP_CALL_TRACE;
}

/* Variants: a few ops pick one of a handful of behaviours by their oparg or operand (a
   comparison's mask, a branch's sense, the slots a known return releases). For the
   common values the template also compiles the op with the value fixed, a stencil named
   NAME__K ("compare_int__1" for a less-than), whose code clang folded for it (a setl,
   not a bit test of a patched mask); the emitter takes it for a uop with that value,
   else the op's own stencil. jit_variant_key: the value a variant of ti's op fixes
   (below JIT_VARIANT_KEYS to have one), or UINT64_MAX for an op without variants;
   branch_compare_int's fix its mask and its sense, key mask | sense << 4 (which is
   branch_compare_int_const's oparg, and the low 5 bits of branch_compare_local_const's
   and branch_compare_locals');
   int_op_const's, local_int_op_const's, int_op_local's and float_op_local's their
   operation, key the Opcode; load_local_elem_kind's and load_local_elem_at_kind's their
   operand (the element's kind, and ELEM_ARRAY_PROVED), store_local_elem's too (0 or
   ELEM_ARRAY_PROVED); guard_local_kind's its operand
   (a ValueKind, or GUARD_KIND_ARRAY); compare_char_const's and compare_char_local's
   their mask, as compare_int's (branch_char_local's its mask | sense << 4, as
   branch_compare_int's); len_local's its operand (string or array);
   load_local_attr's and store_local_attr's whether a fact proved the instance's shape
   (LOCAL_ATTR_PROVEN); loop's its oparg (the fuel it charges, and LOOP_STABLE); push_init_frame's its
   argument count, the oparg's low byte. */
#define JIT_VARIANT_KEYS 32
static inline bool jit_op_has_variants(int op) {
  return op == UOP_COMPARE_INT || op == UOP_COMPARE_FLOAT || op == TOP_BRANCH_BOOL || op == TOP_BRANCH_COMPARE_INT ||
         op == TOP_RETURN_KNOWN || op == TOP_POP_FRAME_KNOWN || op == TOP_POP_FRAME_DEFERRED || op == TOP_INT_OP_CONST || op == TOP_BRANCH_COMPARE_INT_CONST ||
         op == TOP_BRANCH_COMPARE_LOCAL_CONST || op == TOP_BRANCH_COMPARE_LOCALS || op == TOP_LOCAL_INT_OP_CONST ||
         op == TOP_INT_OP_LOCAL || op == TOP_FLOAT_OP_LOCAL || op == TOP_LOAD_LOCAL_ELEM_KIND || op == TOP_LOAD_LOCAL_ELEM_AT_KIND || op == TOP_STORE_LOCAL_ELEM ||
         op == TOP_GUARD_LOCAL_KIND || op == TOP_COMPARE_CHAR_CONST || op == TOP_COMPARE_CHAR_LOCAL || op == TOP_BRANCH_CHAR_LOCAL || op == TOP_LEN_LOCAL ||
         op == TOP_LOAD_LOCAL_ATTR || op == TOP_STORE_LOCAL_ATTR || op == TOP_LOOP || op == TOP_PUSH_INIT_FRAME;
}
static inline uint64_t jit_variant_key(const TraceInst *ti) {
  switch (ti->op) {
  case TOP_RETURN_KNOWN: case TOP_POP_FRAME_KNOWN: case TOP_POP_FRAME_DEFERRED: case TOP_LOAD_LOCAL_ELEM_KIND: case TOP_LOAD_LOCAL_ELEM_AT_KIND:
  case TOP_STORE_LOCAL_ELEM: case TOP_GUARD_LOCAL_KIND: case TOP_LEN_LOCAL:
    return ti->operand;
  case TOP_INT_OP_CONST: case TOP_LOCAL_INT_OP_CONST: case TOP_INT_OP_LOCAL: case TOP_FLOAT_OP_LOCAL:
    return INT_CONST_OPCODE(ti->oparg);
  case TOP_BRANCH_COMPARE_LOCAL_CONST: case TOP_BRANCH_COMPARE_LOCALS: case TOP_BRANCH_CHAR_LOCAL: return ti->oparg & 0x1fu;
  case TOP_LOAD_LOCAL_ATTR: case TOP_STORE_LOCAL_ATTR: return (ti->operand & LOCAL_ATTR_PROVEN) != 0;
  case TOP_BRANCH_COMPARE_INT: return ti->oparg < 16 ? ti->oparg | (uint64_t)(ti->operand != 0) << 4 : UINT64_MAX;
  case TOP_PUSH_INIT_FRAME: return ti->oparg & 0xffu;
  default: return jit_op_has_variants(ti->op) ? ti->oparg : UINT64_MAX;
  }
}

/* The stencil uop ti is compiled with in set: its variant for ti's key, else its op's
   (NULL when the set has neither). */
const Stencil *jit_stencil(const StencilSet *set, const TraceInst *ti);

/* Where the code runs: the set, the address of its shared blob, and for each of its
   symbols the address a branch to it should use (the symbol, or its veneer). */
typedef struct {
  const StencilSet *set;
  uint64_t shared;
  const uint64_t *symbols;      /* the symbols' own addresses (data and direct branches) */
  const uint64_t *veneers;      /* each symbol's veneer beside the shared blob */
  Fault fault;                  /* test-only: the jit-operand-* faults act in the emitter */
  const EntrySlot *entries;     /* the VM's T2State.at_entry: a call_trace's operand in
                                   compiled code is its callee's slot there */
} JitTarget;

/* Bytes of code the trace takes (every uop's stencil without its trailing jump). */
size_t jit_code_size(const StencilSet *set, const TraceInst *code, uint32_t len, uint32_t compiled);

/* Copies and patches the trace's stencils into out, which will run at address base;
   exits is the address of the executor's TraceExit array; offsets[i] receives where uop
   i starts. Uops from index `compiled` on (len: none) get a stencil that hands them to
   the uop interpreter (localization's partial compilation). Returns false with the reason when a uop has
   no stencil or a hole cannot be patched (a value out of range). */
bool jit_emit(const JitTarget *t, const TraceInst *code, uint32_t len, uint32_t compiled, uint32_t loop_start,
              uint64_t exits, uint8_t *out, uint64_t base, uint32_t *offsets, char *why, size_t whycap);

/* A side trace's code ends in its side entry, the side_entry stencil, where its parent's
   exit goes straight in (TraceExit.code): its bytes, and the entry copied and patched
   into out (running at base), going on into the trace's first uop at address first. */
size_t jit_side_entry_size(const StencilSet *set);
bool jit_emit_side_entry(const JitTarget *t, uint8_t *out, uint64_t base, uint64_t first, char *why, size_t whycap);

/* Lays out the shared blob of `set` at out (running at base) followed by one veneer per
   symbol, patching the blob's holes; symbols[] are the symbols' addresses; fills
   veneers[] (nsymbols). Returns the bytes used, or 0 with the reason. */
size_t jit_shared_size(const StencilSet *set);
size_t jit_emit_shared(const StencilSet *set, uint8_t *out, uint64_t base, const uint64_t *symbols,
                       uint64_t *veneers, char *why, size_t whycap);

/* Makes the host's JIT ready, once per process: the JIT memory and the shared code of
   the stencils (JitHooks.prepare). False with the reason when it cannot be. */
bool jit_prepare(char *why, size_t whycap);

/* Compiles a trace for the host, the uops from `compiled` on as handoffs (jit_emit), and
   for a side trace its side entry after them (JitCode.side_entry); fault is FAULT_NONE
   but in self-tests; entries is the VM's T2State.at_entry. Answers the code, or NULL with the reason (no stencil set for the host,
   JIT memory full, a hole out of range). */
JitCode *jit_compile(const TraceInst *code, uint32_t len, uint32_t compiled, uint32_t loop_start,
                     const TraceExit *exits, bool side, Fault fault, const EntrySlot *entries, char *why,
                     size_t whycap);
void jit_free(JitCode *c);
/* Around many frees (a VM's teardown): their pages are made inaccessible together at the
   end, in one mprotect per run of pages rather than one per executor. */
void jit_free_batch_begin(void);
void jit_free_batch_end(void);

/* What a run asks of the JIT beyond compiling (tessera run --dump-jit, --perf-map). */
typedef struct {
  const char *dump_dir;  /* if not NULL, each compiled trace's code and disassembly go here */
  bool perf_map;         /* name the compiled code in /tmp/perf-PID.map */
} JitOptions;

/* The hook through which t2 compiles for the host (vm/trace.h): jit_compile, then what
   the options ask for. options may be NULL; it must outlive the runs. jit_default_hooks
   is jit_hooks(NULL). */
JitHooks jit_hooks(const JitOptions *options);
extern const JitHooks jit_default_hooks;

/* Inspection (jit_inspect.c): appends the trace's stencils to /tmp/perf-PID.map, so
   that perf names them; writes DIR/trace-ID.bin and DIR/trace-ID.txt (a disassembly by
   llvm-mc, labelled by uop). */
void jit_perf_map_add(const JitCode *c, const TraceInst *code, uint32_t id);
bool jit_dump(const char *dir, const VM *vm, const JitCode *c, const TraceInst *code, uint32_t id);

#endif
