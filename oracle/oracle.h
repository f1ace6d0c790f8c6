/* oracle.h: the differential oracle. Runs one module under every configuration of the
 * matrix, each in a fresh VM, and compares the whole observations.
 *
 * A divergence names the two configurations that disagree (the first is always the
 * reference), the first field that differs (an ObsField, vm/observation.h), where it
 * differs (the first differing output line, the first differing probe, the two error
 * locations and their instructions), and a signature: a short stable string, the same
 * when the same bug is found twice, so that a campaign keeps one copy per bug. New tiers
 * join the matrix by adding a line to oracle_configs in oracle.c.
 *
 * The oracle also records what each program reached (ORACLE_REACH below), from which
 * the fuzzing engine (fuzz/engine.c) derives its counts, its progress line and its
 * summary. */
#ifndef TESSERA_ORACLE_H
#define TESSERA_ORACLE_H

#include "coverage.h"
#include "specialize.h"
#include "vm.h"

typedef struct {
  const char *name;
  Tier tier;
  Dispatch dispatch;
  uint32_t warmup;           /* t1: tiny, so that specialized forms and deopts really run */
  uint32_t trace_threshold;  /* t2: tiny, so that traces, exits and side traces really run */
  bool checks_frames;        /* in oracle_run, its run is also the frame-state check's ref run
                                (ref's switch dispatch with places marked, ref_steps.c), after
                                the configurations with traces: one run less per program */
} OracleConfig;

#define ORACLE_MAX_CONFIGS 12

/* Knobs of the matrix that a campaign turns per program (swarm testing, fuzz/engine.c):
   the warmup of the t1 configuration whose table warmup is not 1 (t1/warm3), and the
   trace threshold and the bound on nested executors (RunOptions.max_nested) of every
   configuration with traces. 0: the table's. They are part of a find's replay command
   (--matrix-warmup, --matrix-threshold, --matrix-nesting). */
typedef struct {
  uint32_t warmup, threshold, nesting;
} OracleKnobs;
extern const OracleConfig oracle_configs[];
extern const size_t oracle_nconfigs;

/* Reach: whether a program got the tiers to do what the fuzzer wants to test. Every
 * reach counter is listed once here; the fuzzing engine's counts, the counts its worker
 * processes send through the pipe, the progress line and the summary all derive from it.
 *
 *   REACH(NAME, "label", "summary", TIER, test, "description")
 *
 *   NAME     its ReachId is REACH_NAME: OracleResult.reached[REACH_NAME]
 *   label    its word in the progress line: "reach: specialized 100% deopt 81% ..."
 *   summary  its phrase in the summary: a printf format for its share of the programs,
 *            a double. Neighbours with the same TIER are joined with ", ", others "; ".
 *   TIER     the configurations it is taken from: every one of this tier (a program
 *            reached it when one of them did)
 *   test     whether one such run reached it: an expression over the run's `t1`
 *            (T1Stats *, t1 tiers), `t2` (T2Stats *, the t2 and jit tiers) and `obs`
 *            (Observation *); oracle_run evaluates it (oracle.c)
 *   description  what reaching it means (docs/fuzzing.md section 2.5)
 *
 * Adding a counter: one row here and one in the table of docs/fuzzing.md section 2.5. */
#define ORACLE_REACH(REACH)                                                                        \
  REACH(SPECIALIZED, "specialized", "t1 specialized in %.1f%%", TIER_T1, oracle_any_op(t1->specialized), \
        "some instruction specialized")                                                            \
  REACH(DEOPTED, "deopt", "deopted in %.1f%%", TIER_T1, oracle_any_op(t1->deopts),                 \
        "some guard failed")                                                                       \
  REACH(TRACED, "traced", "t2 built traces in %.1f%%", TIER_T2, t2->built != 0,                    \
        "t2 built an executor (a trace)")                                                          \
  REACH(EXITED, "exit", "took exits in %.1f%%", TIER_T2, t2->exits != 0,                           \
        "a trace took an exit back to t1")                                                         \
  REACH(SIDE_TRACED, "side", "built side traces in %.1f%%", TIER_T2, t2->side_built != 0,          \
        "t2 built a side trace")                                                                   \
  REACH(JITTED, "jit", "JIT code ran in %.1f%%", TIER_JIT, t2->jit_entries != 0,                   \
        "compiled code was entered")                                                               \
  REACH(ATTR_DEOPTED, "attr-deopt", "attribute caches deopted in %.1f%%", TIER_T1,                  \
        oracle_attr_deopted(t1), "a t1 attribute form's shape or class-version guard failed")      \
  REACH(CLASS_INVALIDATED, "class-inval", "cached class versions invalidated in %.1f%%", TIER_T2,  \
        t2->class_invalidations != 0,                                                              \
        "a class mutated after a cache took its version (a cached lookup went stale)")            \
  REACH(OPERATOR_LEFT, "opm-leave", "traces left for operator methods in %.1f%%", TIER_T2,        \
        t2->operator_leaves != 0, "a trace left for the interpreter to call an operator method")  \
  REACH(SHRUNK, "shrink", "containers shrunk in traces in %.1f%%", TIER_T2, t2->shrinks != 0,         \
        "an array_pop, array_remove or del_key ran inside a trace")                                \
  REACH(MAP_CHANGED, "map-del", "map keys deleted in traces in %.1f%%", TIER_T2, t2->map_deletes != 0, \
        "a del_key ran inside a trace: a map's keys changed between the trace's lookups")          \
  REACH(KEY_FACT, "key-fact", "map lookups answered by key facts in %.1f%%", TIER_T2,               \
        t2->key_lookups_removed != 0,                                                              \
        "the trace optimizer answered a has from a fact that the map has the key")               \
  REACH(ITER_CHANGED, "iter-mut", "containers changed under traced iteration in %.1f%%", TIER_T2,  \
        t2->iter_changes != 0,                                                                     \
        "a trace's for_iter stepped over an array or map changed since its iterator was made")     \
  REACH(INLINE_FACT, "inline-fact", "object facts carried into inlined frames in %.1f%%", TIER_T2,   \
        t2->inline_facts != 0,                                                                     \
        "an argument the trace's optimizer knew the shape or class of went into an inlined frame") \
  REACH(ITER_REPLACED, "iter-swap", "loop iterators replaced in traces in %.1f%%", TIER_T2,       \
        t2->iter_guards_kept != 0,                                                                 \
        "a loop's trace replaced the iterator under its values: its iterator guard stayed in the loop") \
  REACH(FINALIZER_LEFT, "fin-leave", "finalizers called by traces in %.1f%%", TIER_T2,            \
        t2->finalizer_leaves != 0, "a trace released an instance and its check_finalizers called the finalizer") \
  REACH(FINALIZER_ON, "fin-on", "traces going on after finalizers in %.1f%%", TIER_T2,             \
        t2->finalizer_on != 0, "a trace went on after the finalizers its check_finalizers called") \
  REACH(FUEL_EXITED, "fuel-exit", "fuel ran out inside compiled traces in %.1f%%", TIER_JIT,             \
        t2->errors[ERR_FUEL] != 0, "the fuel limit ran out inside a trace of the jit tier")           \
  REACH(DEPTH_EXITED, "depth-exit", "depth ran out in %.1f%%", TIER_JIT, t2->errors[ERR_DEPTH] != 0,   \
        "the depth limit ran out inside a trace of the jit tier (a frame the trace pushes)")         \
  REACH(HEAP_EXITED, "heap-exit", "heap in %.1f%%", TIER_JIT, t2->errors[ERR_HEAP] != 0,               \
        "the heap limit ran out inside a trace of the jit tier")                                     \
  REACH(OUTPUT_EXITED, "output-exit", "output in %.1f%%", TIER_JIT, t2->errors[ERR_OUTPUT] != 0,       \
        "the output limit ran out inside a trace of the jit tier")                                   \
  REACH(CELL_WRITTEN, "cell-write", "cells written in traces in %.1f%%", TIER_T2, t2->cell_writes != 0, \
        "a cell_set ran inside a trace: what a cell holds changed under the trace's reads")       \
  REACH(BUILTIN_CALLED, "builtin", "builtins called in compiled traces in %.1f%%", TIER_JIT,         \
        t2->builtin_calls != 0, "a builtin was called inside a trace of the jit tier")             \
  REACH(BUILTIN_SWITCHED, "builtin-switch", "compiled code left at builtin guards in %.1f%%", TIER_JIT, \
        t2->exit_op[UOP_GUARD_BUILTIN] != 0, "compiled code exited at a builtin guard: a site's builtin changed") \
  REACH(NESTED_CALL, "nested", "calls run nested in compiled traces in %.1f%%", TIER_JIT,        \
        t2->nested_calls != 0, "a call_trace or call_any of the jit tier ran its callee's entry executor nested") \
  REACH(NESTED_LEFT, "nested-left", "nested runs left elsewhere in %.1f%%", TIER_JIT,              \
        t2->nested_left != 0,                                                                      \
        "a nested run left elsewhere than back to its caller (an exit, an error), and its callers with it") \
  REACH(NESTED_BOUND, "nest-bound", "nested calls stopped at the bound in %.1f%%", TIER_JIT,         \
        t2->nested_at_bound != 0,                                                                  \
        "a call in compiled code found the bound on nested executors reached, and left for t1 at the callee's start") \
  REACH(INIT_FRAME, "init-frame", "class calls inlined in compiled traces in %.1f%%", TIER_JIT,     \
        t2->init_frames != 0,                                                                      \
        "compiled code made an instance and entered its class's init inside a trace (push_init_frame)") \
  REACH(HANDLER_TRACE, "handler", "traces built at handlers in %.1f%%", TIER_T2, t2->handler_built != 0, \
        "a handler's catches got hot and t2 built a trace from its first instruction")            \
  REACH(ATTR_CACHE, "attr-cache", "attribute caches filled in compiled traces in %.1f%%", TIER_JIT,   \
        t2->attr_cache_fills != 0,                                                                 \
        "a generic load_attr or load_method of the jit tier filled an entry of its attribute cache") \
  REACH(DEFERRED_WRITTEN, "deferred", "deferred frames written at leaves in %.1f%%", TIER_JIT,       \
        t2->deferred_written != 0,                                                                 \
        "compiled code left inside a deferred frame (an exit, an error, an operator method), and its record was written") \
  REACH(LOOP_KINDS, "loop-kinds", "loop kinds guarded in %.1f%%", TIER_T2, t2->loop_kinds != 0,      \
        "the trace optimizer guarded a loop's locals' kinds once before its start (loop kinds)")  \
  REACH(LOOP_KIND_EXITED, "kind-exit", "loop kind guards failed in %.1f%%", TIER_JIT,                 \
        t2->exit_op[TOP_GUARD_LOCAL_KIND] != 0, "a loop kind's guard failed: a local entered the loop with another kind") \
  REACH(ELEM_EXITED, "elem-exit", "element reads from locals exited in %.1f%%", TIER_JIT,            \
        t2->exit_op[TOP_LOAD_LOCAL_ELEM] + t2->exit_op[TOP_LOAD_LOCAL_ELEM_AT] +                    \
                t2->exit_op[TOP_LOAD_CAPTURE_ELEM] + t2->exit_op[TOP_LOAD_CAPTURE_ELEM_AT] != 0,    \
        "a load_local_elem or load_capture_elem exited: its local (capture) no longer held an array, or the index was no int in its bounds") \
  REACH(ELEM_KINDS, "elem-kinds", "element gets typed in traces in %.1f%%", TIER_T2, t2->elem_kinds != 0, \
        "the trace optimizer typed an element get by the kind guard after it (get_array_kind)")           \
  REACH(ELEM_KIND_EXITED, "elem-kind-exit", "typed element reads exited in %.1f%%", TIER_JIT,          \
        t2->exit_op[TOP_GET_ARRAY_KIND] + t2->exit_op[TOP_LOAD_LOCAL_ELEM_KIND] +                        \
                t2->exit_op[TOP_LOAD_LOCAL_ELEM_AT_KIND] + t2->exit_op[TOP_LOAD_CAPTURE_ELEM_KIND] +     \
                t2->exit_op[TOP_LOAD_CAPTURE_ELEM_AT_KIND] != 0,                                         \
        "a typed element read exited: an element of another kind than its guard wanted (or no array, or an index out of bounds)") \
  REACH(CHAR_COMPARE, "char-cmp", "bytes compared with constants in traces in %.1f%%", TIER_T2,     \
        t2->char_compares != 0, "the trace optimizer made a compare_char_const or compare_char_local: a byte of a string compared with a string constant where it is") \
  REACH(CONCAT_INT, "concat-int", "int digits concatenated in place in traces in %.1f%%", TIER_T2,    \
        t2->concat_ints != 0, "the trace optimizer made a concat_int: a string and an int's digits made as one string in a trace") \
  REACH(METHOD_CONST, "method-const", "methods known in traces in %.1f%%", TIER_T2,                  \
        t2->methods_known != 0, "the trace optimizer made a push_value_under: a method read from its class at optimization time") \
  REACH(ELEM_STORE, "elem-store", "element stores into locals' arrays in traces in %.1f%%", TIER_T2, \
        t2->local_elem_stores != 0, "the trace optimizer made a store_local_elem: an array element written straight in a local's array in a trace") \
  REACH(CAPTURE_CELL, "capture-cell", "cells read from captures in traces in %.1f%%", TIER_T2,      \
        t2->capture_cells != 0, "the trace optimizer made a load_capture_cell: a closure's captured cell read in a trace") \
  REACH(CAPTURE_CELL_STORE, "cell-store", "cells written through captures in traces in %.1f%%", TIER_T2, \
        t2->capture_cell_stores != 0, "the trace optimizer made a store_capture_cell: a closure's captured cell written straight in a trace") \
  REACH(CAPTURE_ELEM_CELL, "elem-cell", "cells in captured arrays reached in traces in %.1f%%", TIER_T2, \
        t2->capture_elem_cells != 0, "the trace optimizer made a load_capture_elem_cell or store_capture_elem_cell: a cell in a closure's captured array read or written straight in a trace") \
  REACH(EXIT_KINDS, "exit-kinds", "side traces began knowing kinds from their exit in %.1f%%", TIER_T2, \
        t2->exit_kinds != 0, "the trace optimizer began a side trace knowing the kinds of locals its parent proved at the exit") \
  REACH(CAUGHT_IN_TRACE, "caught", "errors raised in traces caught in %.1f%%", TIER_JIT,          \
        t2->caught != 0, "a runtime error raised inside a trace of the jit tier was caught by a handler") \
  REACH(OBJ_EXITED, "obj-exit", "compiled code left at shape or class guards in %.1f%%", TIER_JIT,  \
        oracle_obj_exited(t2), "compiled code exited at a shape or class-version guard")          \
  REACH(COMPLETED, "completed", "%.1f%% completed without error", TIER_REF, obs->error == ERR_NONE, \
        "ref returned without a runtime error")

typedef enum {
#define REACH(NAME, label, summary, TIER, test, doc) REACH_##NAME,
  ORACLE_REACH(REACH)
#undef REACH
  REACH__COUNT
} ReachId;

extern const char *const oracle_reach_label[REACH__COUNT];
extern const char *const oracle_reach_doc[REACH__COUNT];
extern const Tier oracle_reach_tier[REACH__COUNT];

typedef struct {
  Observation obs[ORACLE_MAX_CONFIGS];
  bool reached[REACH__COUNT];  /* by ReachId */
  uint64_t executed;           /* instructions the t1 configurations executed, summed */
  uint64_t jit_uops, jit_compile_ns;  /* uops the JIT compiled and the time it took, summed
                                         over the configurations that compile */
  Coverage coverage;           /* what the configurations did, all together (coverage.h) */
  bool diverged;
  size_t other;        /* the configuration that disagrees with oracle_configs[0] */
  ObsField field;      /* the first differing field (OBS_AGREE when none) */
  char where[512];     /* where it differs, in words */
  char signature[96];  /* FIELD-TIER-HASH, e.g. "checksum-t1-3f9a2c01" */
  char signature_key[160];  /* what HASH hashes besides field and tier, readable:
                               "w1:goto+switch;end;done/fuel" (oracle.c) */
  OracleKnobs knobs;   /* the knobs it ran with (localization runs with them too) */
} OracleResult;

/* Runs m under every configuration with the given limits and fault (FAULT_NONE
   except in self-tests; the fault applies to every configuration, and only some
   tiers act on it). */
void oracle_run(const Module *m, Limits limits, Fault fault, OracleResult *r);
/* The same with the matrix's knobs turned. */
void oracle_run_knobs(const Module *m, Limits limits, Fault fault, OracleKnobs knobs, OracleResult *r);
/* Runs configuration c of the matrix alone, into obs, with the parts in off (or NULL:
   none) switched off as RunOptions.off. t1's statistics go into t1_stats (if not NULL,
   every tier but ref), t2's into t2_stats (the tiers with traces); the caller zeroes
   them. oracle_run runs every configuration this way. */
void oracle_run_config(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                       const SwitchedOff *off, Observation *obs, T1Stats *t1_stats, T2Stats *t2_stats);
/* The same for a configuration with traces, its hand-backs logged into *hand_backs (the
   caller frees it) instead of checked: the observation's frame-state field stays 0. */
void oracle_run_config_logged(const Module *m, size_t c, Limits limits, Fault fault, OracleKnobs knobs,
                              const SwitchedOff *off, Observation *obs, struct StepWatch *hand_backs);
/* The frame-state check (docs/fuzzing.md section 1.3), on unless switched off (tessera
   fuzz --frame-state=off): oracle_run_config logs every state a tier with traces hands
   back to the interpreter, runs ref again to digest its state at the same places, and
   counts the differences into the observation's frame-state field. */
extern bool oracle_frame_state_check;
/* The warm-up configuration c runs t1 with under knobs. */
uint32_t oracle_config_warmup(size_t c, OracleKnobs knobs);
/* The name of the configuration oracle_run is running, or NULL: for a signal handler
   that reports which configuration crashed or hung (tessera repro). */
extern const char *volatile oracle_running;
void oracle_result_free(OracleResult *r);

/* A readable report: the verdict, then one row per configuration with the fields
   that differ from the reference marked '!'. */
void oracle_report(const Module *m, const OracleResult *r, Buf *out);

#endif
