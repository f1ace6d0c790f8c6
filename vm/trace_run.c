/* trace_run.c: the uop interpreter of tier 2: runs an executor's trace with the very
 * uop bodies t1 runs (uops.h), plus the trace's own control ops (trace.h).
 *
 * A uop that deopts takes its exit; one that fails raises its error at its instruction.
 * An exit resumes t1, unless the exit has (or just earned) a side trace, which runs
 * on without leaving. Every state a trace touches is the VM's own, so leaving needs
 * nothing rebuilt: the top frame is where t1 resumes. */
#include "frames.h"
#include "jit_abi.h"
#include "specialize.h"
#include "step_watch.h"
#include "trace.h"

/* The specialized form whose guard and action these are, or 0. */
static int fused_form(const TraceInst *g, const TraceInst *a) {
  if (g->pc != a->pc || g->func != a->func || g->oparg != a->oparg || g->operand != a->operand) return 0;
  for (int s = OP__COUNT; s < OP__ALL; s++)
    if ((int)spec_info(s)->guard == g->op && (int)spec_info(s)->action == a->op) return s;
  return 0;
}

uint32_t trace_fuse(TraceInst *code, uint32_t len, uint32_t *loop_start) {
  uint32_t n = 0, start = *loop_start;
  for (uint32_t i = 0; i < len; i++) {
    if (i == *loop_start) start = n;
    int form = i + 1 < len && i + 1 != *loop_start ? fused_form(&code[i], &code[i + 1]) : 0;
    code[n] = code[i];
    if (form) {
      code[n].op = (uint16_t)(TRACE_FUSED__BEFORE + 1 + (form - OP__COUNT));
      i++;
    }
    n++;
  }
  *loop_start = start;
  return n;
}

/* The frame-state check (RunOptions.hand_backs): the state handed back at the top frame's
   pc is logged, unless a finalizer is due: the interpreter calls it before any
   instruction, so ref is never at this place with this state. */
static void log_hand_back(VM *vm, const UopState *u, uint32_t pc, int op) {
  if (!finalizer_due(vm)) step_watch_hand_back(vm, vm->hand_backs, pc, (uint32_t)op, u->sp);
}

/* A slot's index in the value stack, which may move. */
static size_t stack_index(const VM *vm, const Value *slot) { return (size_t)(slot - vm->stack); }

/* The state compiled code left in jf, which jit_leave wrote one pointer at a time. */
static inline void state_from_jit(UopState *u, const JitFrame *jf) {
  Value *sp = jf->sp, *locals = jf->locals;
  UOP_POINTERS_APART(sp, locals);
  u->sp = sp;
  u->locals = locals;
}

bool trace_concat_int(VM *vm, Value *slots) {
  ObjString *s = as_string(slots[0]);
  char digits[24];
  uint32_t n = (uint32_t)format_i64(digits, slots[1].as.i);
  uint64_t len = (uint64_t)s->len + n;
  /* Under the test-only fault t2-concat-int-room, room for the concatenation alone. */
  uint64_t both = vm->t1.fault == FAULT_T2_CONCAT_INT_ROOM ? 0 : HEAP_OBJECT_BYTES + n;
  if (len > HEAP_MAX_LENGTH || !heap_has_room(&vm->heap, both + HEAP_OBJECT_BYTES + len)) return false;
  ObjString *r = heap_alloc_string(&vm->heap, (uint32_t)len);
  memcpy(r->chars, s->chars, s->len);
  memcpy(r->chars + s->len, digits, n);
  slots[0] = val_obj(&r->obj);
  val_decref(&vm->heap, val_obj(&s->obj));
  return true;
}

/* concat_int's to_str and concatenation made apart, as t1 makes them, when
   trace_concat_int has no room: one of them raises heap, to_str at *pc with the int on
   the stack, or the concatenation at its own pc, concat_pc, which goes to *pc, with the
   int's string on the stack. ERR_NONE should both succeed. */
static ErrorKind concat_int_apart(VM *vm, UopState *u, uint32_t concat_pc, uint32_t *pc) {
  Value digits, r;
  ErrorKind e = sem_to_str(vm, u->sp[-1], &digits);
  if (e) return e;
  u->sp[-1] = digits;
  *pc = concat_pc;
  e = sem_concat(vm, as_string(u->sp[-2]), as_string(digits), &r);
  if (e) return e;
  uop_replace2(u, r);
  return ERR_NONE;
}

/* compare_char_local's and branch_char_local's text and index out of reach
   (trace_char_in_reach): the loads t1 made pushed, then get's error, which the caller
   raises; should get succeed after all, the loads are taken back and ERR_NONE. */
static ErrorKind char_local_unreached(VM *vm, UopState *u, Value text, Value at) {
  val_incref(text);
  *u->sp++ = text;
  *u->sp++ = at;
  Value one;
  ErrorKind e = sem_get(vm, text, at, &one);
  if (e) return e;
  val_decref(&vm->heap, one);
  u->sp -= 2;
  val_decref(&vm->heap, text);
  return ERR_NONE;
}

/* trace_write_deferred: walking back from the uop, a deferred frame's push is met
   before any op its body may not hold (trace_op_in_deferred_frame, the rule's own
   test), so the walk is short, and such an op first means the uop is in none.
   Counted (deferred_written); under the test-only fault jit-deferred-frame-recharged
   the call's fuel is charged again. */
void trace_write_deferred(VM *vm, const Executor *ex, uint32_t index, const Value *locals) {
  for (uint32_t i = index; i-- > 0;) {
    const TraceInst *ti = &ex->code[i];
    if (ti->op == TOP_PUSH_FRAME_DEFERRED) {
      frame_write_record(vm, (uint32_t)ti->operand, stack_index(vm, locals), ti->pc, ti->pc + OP_SIZE_CALL);
      if (UNLIKELY(vm->t1.fault == FAULT_JIT_DEFERRED_FRAME_RECHARGED)) vm->fuel_used++;  /* frame_push's fuel again */
      vm->t2->stats->deferred_written++;
      return;
    }
    if (!trace_op_in_deferred_frame(ti->op)) return;
  }
}

/* Runs ex from its first uop, or, with resumed (a JitResult, never 0), goes on from
   where ex's compiled code left with it (state holds what the code left: trace_call). */
static ErrorKind run(VM *vm, Executor *ex, UopState *state, uint32_t *pc, JitResult resumed) {
  /* Every op back into compiled code: after a uop its code hands over for being left
     uncompiled (JitCode.compiled_uops, localization only), the next dispatch returns. */
  static void *const back_to_compiled[TRACE_FUSED__END] = {[0 ... TRACE_FUSED__END - 1] = &&back_to_jit};
  static void *const labels[TRACE_FUSED__END] = {
#define UOP(name, stack, needs, result, flags, doc) &&do_##name,
    TESSERA_UOPS(UOP)
#undef UOP

#define TRACE_OP(name, doc) &&do_T_##name,
    TESSERA_TRACE_OPS(TRACE_OP)
#undef TRACE_OP
#define SPEC(name, generic, guard, action, tail, doc) &&do_F_##name,
    TESSERA_SPECIALIZED(SPEC)
#undef SPEC
  };
  /* A local copy, so that the stack pointer can live in a register; written back
     whenever the trace leaves. */
  UopState local, *u = &local;
  uop_state_copy(&local, state);
  T2Stats *stats = vm->t2->stats;
  const TraceInst *ti = ex->code;
  uint64_t uops = 0;
  ErrorKind err = ERR_NONE;
  void *const *dispatch = labels;
  /* The test-only fault t2-exit-stale-local: the last store_local's slot (a stack index)
     and the scalar it overwrote, put back when an exit is taken. */
  size_t stale_slot = SIZE_MAX;
  Value stale_old = val_nil();
  JitResult left = resumed;
  if (left) goto compiled_left;
  if (!vm->t2->nesting) stats->entered++;
  goto enter;

#define DISPATCH()         \
  do {                     \
    uops++;                \
    goto *dispatch[ti->op]; \
  } while (0)
#define NEXT() \
  do {         \
    ti++;      \
    DISPATCH(); \
  } while (0)
#define FAIL(e)   \
  do {            \
    err = (e);    \
    goto error;   \
  } while (0)

  /* Entering executor ex at ti: its compiled code runs until it leaves, then what it
     left for is done here, as the uop interpreter would. */
back_to_jit:
enter:
  dispatch = labels;
  if (UNLIKELY(ex->dormant)) {  /* t1 runs its code, from where it starts (its first uop may
                                   be a later instruction's: the optimizer removes uops) */
    stats->uops += uops;
    uop_state_copy(state, &local);
    *pc = ex->start_pc;
    return ERR_NONE;
  }
  if (ex->jit) {
    JitFrame jf = {.vm = vm, .sp = u->sp, .locals = u->locals, .executor = ex};
    stats->jit_entries++;
    uint32_t nesting = vm->t2->nesting;
    left = jit_run(ex->jit, (uint32_t)(ti - ex->code), &jf);
    if (UNLIKELY(vm->t2->nesting != nesting)) left = trace_settle(vm, left, nesting);
    /* No compiled code runs now, unless this run is nested in a call_trace's */
    if (UNLIKELY(vm->t2->ndead_code) && !vm->t2->nesting) t2_free_dead_code(vm);
    state_from_jit(u, &jf);
    ex = jf.executor;  /* where the code left: maybe another executor */
  compiled_left:
    ti = ex->code + JIT_RESULT_INDEX(left);
    if (UNLIKELY(ex->defers_frames)) trace_write_deferred(vm, ex, JIT_RESULT_INDEX(left), u->locals);
    stats->jit_left_op[ti->op]++;
    uint32_t reason = JIT_RESULT_REASON(left);
    if (reason == JIT_LEFT_EXIT) goto take_exit;
    if (reason == JIT_LEFT_LINK) goto link_charged;
    if (reason == JIT_LEFT_RETURN) goto returned;
    if (reason == JIT_LEFT_NESTED) goto left_nested;
    /* JIT_LEFT_HANDOFF: the uop at ti is run below, and when it was left uncompiled
       the one after it runs compiled again. */
    if (UNLIKELY(ex->jit && JIT_RESULT_INDEX(left) >= ex->jit->compiled_uops)) {  /* no jit: invalidated */
      dispatch = back_to_compiled;
      uops++;
      goto *labels[ti->op];
    }
  }
  DISPATCH();

/* Dev builds check the table fact UOPF_RELEASES: a uop without it makes no instance wait. */
#ifndef NDEBUG
#define WAITING_BEFORE() size_t waiting_ = vm->heap.waiting.len
#define CHECK_RELEASES(flags) \
  ASSERT(((flags)&UOPF_RELEASES) || vm->heap.waiting.len == waiting_, "a uop without UOPF_RELEASES made an instance wait")
#else
#define WAITING_BEFORE() (void)0
#define CHECK_RELEASES(flags) (void)0
#endif
#define UOP(name, stack, needs, result, flags, doc)                                                 \
  do_##name : {                                                        \
    WAITING_BEFORE();                                                  \
    if (UOP_##name == UOP_STORE_LOCAL && UNLIKELY(vm->t1.fault == FAULT_T2_EXIT_STALE_LOCAL) && \
        u->locals[ti->oparg].kind != VAL_OBJ && u->sp[-1].kind != VAL_OBJ) {         \
      stale_slot = stack_index(vm, u->locals + ti->oparg);             \
      stale_old = u->locals[ti->oparg];                                \
    }                                                                  \
    UopStatus s_ = uop_##name(u, ti->oparg, ti->operand);              \
    if (UNLIKELY(s_ != UOP_OK)) {                                      \
      if (s_ == UOP_DEOPT) goto take_exit;                             \
      if (s_ == UOP_INVOKE) goto leave_for_operator;                   \
      FAIL((ErrorKind)s_);                                             \
    }                                                                  \
    CHECK_RELEASES(flags);                                             \
    trace_count_effects(stats, flags);                                 \
    NEXT();                                                            \
  }
  TESSERA_UOPS(UOP)
#undef UOP
#undef WAITING_BEFORE
#undef CHECK_RELEASES

  /* Superinstructions: guard, then action, as t1's specialized form runs them. */
#define SPEC(name, generic, guard, action, tail, doc)                  \
  do_F_##name : {                                                      \
    if (uop_##guard(u, ti->oparg, ti->operand) != UOP_OK) goto take_exit; \
    UopStatus s_ = uop_##action(u, ti->oparg, ti->operand);            \
    if (UNLIKELY(s_ != UOP_OK)) FAIL((ErrorKind)s_);                   \
    trace_count_effects(stats, UOP_FLAGS_##action);                    \
    NEXT();                                                            \
  }
  TESSERA_SPECIALIZED(SPEC)
#undef SPEC

do_T_BRANCH : {
  int stay = trace_branch(vm, u, ti->oparg);
  if (stay < 0) goto leave_for_operator;
  if (!stay) goto take_exit;
  NEXT();
}
#define FOR_ITER_OP(name, step) \
  do_T_##name : {               \
    ErrorKind e;                \
    if (UNLIKELY(iter_source_changed(u->sp[-1]))) stats->iter_changes++; \
    int r = step(u, &e);        \
    if (r < 0) FAIL(e);         \
    if (!r) goto take_exit;     \
    NEXT();                     \
  }
FOR_ITER_OP(FOR_ITER, uop_for_iter)
FOR_ITER_OP(FOR_ITER_ARRAY, uop_for_iter_array)
FOR_ITER_OP(FOR_ITER_RANGE, uop_for_iter_range)
FOR_ITER_OP(FOR_ITER_MAP, uop_for_iter_map)
FOR_ITER_OP(FOR_ITER_STRING, uop_for_iter_string)
#undef FOR_ITER_OP
do_T_BRANCH_BOOL:
  if (!trace_branch_bool(u, ti->oparg)) goto take_exit;
  NEXT();
do_T_BRANCH_COMPARE_INT:
  if (!trace_branch_compare_int(u, ti->oparg, ti->operand)) goto take_exit;
  NEXT();
do_T_BRANCH_COMPARE_INT_CONST:
  if (!trace_branch_compare_int_const(u, ti->oparg, ti->operand)) goto take_exit;
  NEXT();
do_T_BRANCH_COMPARE_LOCALS:
  if (!trace_branch_compare_locals(u, ti->oparg, ti->operand)) goto take_exit;
  NEXT();
do_T_BRANCH_COMPARE_LOCAL_CONST:
  if (!trace_branch_compare_local_const(u, ti->oparg, ti->operand)) goto take_exit;
  NEXT();
do_T_LOCAL_INT_OP_CONST:
  trace_local_int_op_const(u, ti->oparg, ti->operand);
  NEXT();
do_T_INT_OP_LOCAL:
  trace_int_op_local(u, ti->oparg);
  NEXT();
do_T_FLOAT_OP_LOCAL:
  trace_float_op_local(u, ti->oparg);
  NEXT();
do_T_COMPARE_CHAR_CONST:
  if (UNLIKELY(!trace_char_in_reach(vm, u->sp[-2], u->sp[-1]))) {  /* get raises its error here, as t1's would */
    Value one;
    ErrorKind e = sem_get(vm, u->sp[-2], u->sp[-1], &one);
    if (e) FAIL(e);
    val_decref(&vm->heap, one);  /* not reached: out of reach, get fails */
  }
  uop_replace2(u, val_bool(trace_char_compares(u->sp[-2], u->sp[-1], ti->oparg, ti->operand)));
  NEXT();
do_T_CONCAT_INT:
  if (UNLIKELY(!is_string(u->sp[-2]))) goto take_exit;
  if (UNLIKELY(!trace_concat_int(vm, u->sp - 2))) {
    *pc = ti->pc;
    if ((err = concat_int_apart(vm, u, (uint32_t)ti->operand, pc))) goto error_at_pc;
    NEXT();
  }
  u->sp--;
  NEXT();
do_T_LEN_LOCAL:
  if (UNLIKELY(!trace_len_local_holds(u, ti->oparg, ti->operand))) goto take_exit;
  *u->sp++ = val_int(trace_len_local(u, ti->oparg, ti->operand));
  NEXT();
do_T_COMPARE_CHAR_LOCAL: {
  Value text = u->locals[CHAR_LOCAL_TEXT(ti->operand)], at = u->locals[CHAR_LOCAL_INDEX(ti->operand)];
  if (UNLIKELY(!trace_char_in_reach(vm, text, at)) && (err = char_local_unreached(vm, u, text, at))) FAIL(err);
  *u->sp++ = val_bool(trace_char_compares(text, at, ti->oparg, ti->operand));
  NEXT();
}
do_T_BRANCH_CHAR_LOCAL: {
  Value text = u->locals[CHAR_LOCAL_TEXT(ti->operand)], at = u->locals[CHAR_LOCAL_INDEX(ti->operand)];
  if (UNLIKELY(!trace_char_in_reach(vm, text, at)) && (err = char_local_unreached(vm, u, text, at))) FAIL(err);
  if (trace_char_compares(text, at, ti->oparg & 0xfu, ti->operand) != (ti->oparg >> 4 & 1u)) goto take_exit;
  NEXT();
}
do_T_INT_OP_CONST:
  u->sp[-1].as.i = trace_int_op_const(ti->oparg, ti->operand, u->sp[-1].as.i);
  NEXT();
do_T_PUSH_FRAME:
do_T_PUSH_FRAME_DEFERRED: {  /* the uop interpreter writes every record */
  ErrorKind e = frame_enter(vm, u, (uint32_t)ti->operand, ti->oparg, ti->pc, ti->pc + OP_SIZE_CALL);
  if (UNLIKELY(e)) FAIL(e);
  NEXT();
}
do_T_PUSH_INIT_FRAME: {
  ErrorKind e = frame_call_init(vm, u, ti->oparg, (uint32_t)ti->operand, ti->pc + OP_SIZE_CALL);
  if (UNLIKELY(e)) FAIL(e);
  stats->init_frames++;
  NEXT();
}
do_T_POP_FRAME:  /* an init's too: its record says so */
  frame_return(vm, u);
  NEXT();
do_T_POP_INIT_FRAME_KNOWN:
  frame_return_init_known(vm, u, ti->operand);
  NEXT();
do_T_POP_FRAME_KNOWN:
do_T_POP_FRAME_DEFERRED:  /* its frame's record was written: push_frame_deferred's, or at a leave */
  frame_return_known(vm, u, ti->operand);
  NEXT();
do_T_CALL_TRACE:
  switch (trace_call(vm, u, (uint32_t)ti->operand, ti->oparg, ti->pc, NULL)) {
  case TRACE_CALL_RETURNED: NEXT();
  case TRACE_CALL_FAILED: FAIL(vm->t2->left_err);
  case TRACE_CALL_LEFT: goto left_nested;
  case TRACE_CALL_NEST: UNREACHABLE();  /* not asked for */
  }
  UNREACHABLE();
do_T_CALL_ANY:
  switch (trace_call_any(vm, u, ti->oparg, ti->pc, NULL)) {
  case TRACE_CALL_RETURNED: NEXT();
  case TRACE_CALL_FAILED: FAIL(vm->t2->left_err);
  case TRACE_CALL_LEFT: goto left_nested;
  case TRACE_CALL_NEST: UNREACHABLE();  /* not asked for */
  }
  UNREACHABLE();
do_T_RETURN_KNOWN:
  ASSERT(vm->nframes > 1, "a return op in main's frame (projection ends the trace before it)");
  frame_return_maybe_known(vm, u, ti->operand);
  goto returned;
do_T_RETURN:
  ASSERT(vm->nframes > 1, "a return op in main's frame (projection ends the trace before it)");
  frame_return(vm, u);
returned : {
  T2State *s = vm->t2;
  stats->returns++;
  stats->uops += uops;
  uop_state_copy(state, &local);
  *pc = frame_top(vm)->pc;
  /* Back into a call_trace, nothing is handed back: the trace that called goes on. */
  if (UNLIKELY(vm->hand_backs) && !(s->nesting && vm->nframes == s->nest_frames)) log_hand_back(vm, state, *pc, ti->op);
  return ERR_NONE;
}
do_T_LOOP:
  /* Invalidated while it ran (a class it guards mutated): t1 runs the LOOP itself. A
     stable loop cannot have been (LOOP_STABLE). */
  ASSERT(ex->valid || !(ti->oparg & LOOP_STABLE), "an executor whose LOOP is stamped stable was invalidated while it ran");
  if (UNLIKELY(!(ti->oparg & LOOP_STABLE) && !ex->valid)) goto leave_at_instruction;
  if (UNLIKELY((err = fuel_charge(vm, ti->oparg & LOOP_UNITS)))) goto error;
  ti = ex->code + ex->loop_start;
  DISPATCH();
do_T_LINK:
  if (UNLIKELY((err = fuel_charge(vm, 1)))) goto error;
link_charged : {
  /* What t1's LOOP would do: run the loop's executor, or count towards projecting one. */
  Executor *next = t2_loop_executor(vm, ti->func, (uint32_t)ti->operand);
  if (!next) goto leave;
  stats->linked++;
  ex = next;
  ti = ex->code;
  goto enter;
}
do_T_EXIT:
  goto take_exit;
do_T_SIDE_ENTRY:
  UNREACHABLE();  /* compiled code only */
do_T_PUSH_VALUE:
  *u->sp++ = trace_value(ti->oparg, ti->operand);
  NEXT();
do_T_PUSH_VALUE_UNDER:
  uop_put_under(u, trace_value(ti->oparg, ti->operand));
  NEXT();
do_T_CHECK_FINALIZERS:
  if (UNLIKELY(finalizer_due(vm))) {
    if (trace_finalize(vm, u, ti->pc) != TRACE_CALL_RETURNED) goto left_nested;
    if (ti->oparg & CHECK_FINALIZERS_EXIT) goto take_exit;
    stats->finalizer_on++;
  }
  NEXT();
do_T_LOAD_LOCAL_ATTR:
  if (!trace_load_local_attr(u, ti->oparg, ti->operand, false)) goto take_exit;
  NEXT();
do_T_STORE_LOCAL_ATTR:
  if (!trace_store_local_attr(u, ti->oparg, ti->operand, false)) goto take_exit;
  NEXT();
do_T_LOAD_LOCAL_ELEM:
  if (!trace_load_elem(u, u->locals[ti->oparg & 0xffff], u->locals[ti->oparg >> 16])) goto take_exit;
  NEXT();
do_T_LOAD_LOCAL_ELEM_AT:
  if (!trace_load_elem(u, u->locals[ti->oparg], val_int((int64_t)ti->operand))) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_ELEM:
  if (!trace_load_elem(u, trace_capture_array(u), u->locals[ti->oparg])) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_ELEM_AT:
  if (!trace_load_elem(u, trace_capture_array(u), val_int((int64_t)ti->operand))) goto take_exit;
  NEXT();
do_T_GET_ARRAY_KIND:
  if (!trace_get_array_kind(u, ti->operand)) goto take_exit;
  NEXT();
do_T_LOAD_LOCAL_ELEM_KIND:
  if (!trace_load_elem_kind(u, u->locals[ti->oparg & 0xffff], u->locals[ti->oparg >> 16], ti->operand)) goto take_exit;
  NEXT();
do_T_LOAD_LOCAL_ELEM_AT_KIND:
  if (!trace_load_elem_kind(u, u->locals[ti->oparg & 0xffff], val_int(ti->oparg >> 16), ti->operand)) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_ELEM_KIND:
  if (!trace_load_elem_kind(u, trace_capture_array(u), u->locals[ti->oparg], ti->operand)) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_ELEM_AT_KIND:
  if (!trace_load_elem_kind(u, trace_capture_array(u), val_int(ti->oparg), ti->operand)) goto take_exit;
  NEXT();
do_T_STORE_LOCAL_ELEM:
  if (!trace_store_elem(u, u->locals[ti->oparg & 0xffff], u->locals[ti->oparg >> 16])) goto take_exit;
  NEXT();
do_T_STORE_LOCAL_ELEM_AT:
  if (!trace_store_elem(u, u->locals[ti->oparg], val_int((int64_t)ti->operand))) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_CELL:
  if (!trace_load_capture_cell(u)) goto take_exit;
  NEXT();
do_T_STORE_CAPTURE_CELL:
  if (!trace_store_capture_cell(u)) goto take_exit;
  NEXT();
do_T_LOAD_CAPTURE_ELEM_CELL:
  if (!trace_load_capture_elem_cell(u, ti->operand)) goto take_exit;
  NEXT();
do_T_STORE_CAPTURE_ELEM_CELL:
  if (!trace_store_capture_elem_cell(u, ti->operand)) goto take_exit;
  NEXT();
do_T_GUARD_LOCAL_KIND:
  if (!trace_local_has_kind(u->locals[ti->oparg], ti->operand)) goto take_exit;
  NEXT();
do_T_CHECK_GLOBALS:
  if (UNLIKELY(vm->globals_version != ti->operand)) {
    t2_invalidate(vm, ex);
    goto leave;  /* no side trace: the loop will be projected afresh */
  }
  ti++;
  goto enter;

take_exit : {
  if (UNLIKELY(stale_slot < (size_t)(u->sp - vm->stack)) && vm->stack[stale_slot].kind != VAL_OBJ) {
    vm->stack[stale_slot] = stale_old;  /* the fault: a store the exit forgot */
    stale_slot = SIZE_MAX;
  }
  ex->exits[ti->exit].taken++;
  stats->exit_op[ti->op]++;
  /* Never on into a side trace while a finalizer is due (a branch released an object):
     the interpreter calls it first. */
  Executor *side = finalizer_due(vm) ? NULL : t2_exit_executor(vm, ex, ti->exit, u);
  if (side) {
    stats->linked++;
    ex = side;
    ti = ex->code;
    goto enter;
  }
}
leave:
  stats->exits++;
  stats->uops += uops;
  uop_state_copy(state, &local);
  *pc = ex->exits[ti->exit].pc;
  if (UNLIKELY(vm->hand_backs)) log_hand_back(vm, state, *pc, ti->op);
  return ERR_NONE;

leave_for_operator:
  /* An operator method: the interpreter calls it at this uop's instruction, in the
     frame the trace is in, which the uops left exactly as the bytecode would. */
  stats->operator_leaves++;
leave_at_instruction:  /* or a finalizer, which it calls before this instruction */
  stats->uops += uops;
  uop_state_copy(state, &local);
  *pc = ti->pc;
  if (UNLIKELY(vm->hand_backs)) log_hand_back(vm, state, *pc, ti->op);
  return ERR_NONE;

left_nested:  /* as a call_trace's nested run left, where it was counted and logged */
  stats->uops += uops;
  uop_state_copy(state, &local);
  *pc = vm->t2->left_pc;
  return vm->t2->left_err;

error:
  *pc = ti->pc;
error_at_pc:  /* *pc set: concat_int's concatenation raised at its own pc */
  stats->errors[err]++;
  stats->uops += uops;
  uop_state_copy(state, &local);
  if (UNLIKELY(vm->hand_backs)) log_hand_back(vm, state, *pc, ti->op);
  return err;
#undef DISPATCH
#undef NEXT
#undef FAIL
}

ErrorKind trace_run(VM *vm, Executor *ex, UopState *u, uint32_t *pc) { return run(vm, ex, u, pc, 0); }

/* Runs ex, a function's entry executor, in the frame just pushed above `frames` frames.
   Its compiled code is called straight from here, and the common way back, its return
   to the caller, needs none of run's machinery; any other way it left goes through run. */
static inline __attribute__((always_inline)) ErrorKind run_entry(VM *vm, Executor *ex, UopState *u, uint32_t *pc, uint32_t frames) {
  T2State *s = vm->t2;
  if (!ex->jit || ex->dormant) return run(vm, ex, u, pc, 0);
  if (!s->nesting) s->stats->entered++;
  JitFrame jf;
  JitResult r = trace_enter_compiled(vm, ex, u, &jf, frames);
  /* Mostly it returns from its own frame; any other way out (an exit, or a return from a
     frame it inlined, by a side trace whose exit's depth was not recorded) goes on
     through run. */
  if (LIKELY(trace_entry_returned(vm, r, frames))) {
    *pc = frame_top(vm)->pc;
    if (UNLIKELY(s->ndead_code) && !s->nesting) t2_free_dead_code(vm);  /* no compiled code runs now */
    if (UNLIKELY(vm->hand_backs) && !(s->nesting && vm->nframes == s->nest_frames))
      log_hand_back(vm, u, *pc, jf.executor->code[JIT_RESULT_INDEX(r)].op);
    return ERR_NONE;
  }
  state_from_jit(u, &jf);
  return run(vm, jf.executor, u, pc, r);
}

ErrorKind trace_run_entry(VM *vm, Executor *ex, UopState *u, uint32_t *pc) {
  return run_entry(vm, ex, u, pc, vm->nframes - 1);
}

/* The end of a nested run, which ran from `frames` frames: back in its caller, or left
   elsewhere (err raised at pc, or t1 resumes there). */
static TraceCall nested_end(VM *vm, ErrorKind err, uint32_t pc, uint32_t frames, uint32_t outer_frames) {
  T2State *s = vm->t2;
  trace_nest_end(s, outer_frames);
  if (LIKELY(!err && vm->nframes == frames)) return TRACE_CALL_RETURNED;
  s->stats->nested_left++;
  s->left_pc = pc;
  s->left_err = err;
  return TRACE_CALL_LEFT;
}

TraceCall trace_nested_left(VM *vm, UopState *u, JitFrame *jf, JitResult r, uint32_t frames, uint32_t outer_frames) {
  uint32_t pc = 0;
  state_from_jit(u, jf);
  ErrorKind err = run(vm, jf->executor, u, &pc, r);
  return nested_end(vm, err, pc, frames, outer_frames);
}

JitResult trace_settle(VM *vm, JitResult r, uint32_t nesting) {
  T2State *s = vm->t2;
  while (s->nesting > nesting) {
    JitFrame *in = &s->nested[s->nesting - 1], *caller = in->caller;
    JitEntry resume = in->resume;
    uint32_t call_index = in->call_index;
    UopState u = {.vm = vm};
    s->jumps_settled++;
    if (trace_nested_left(vm, &u, in, r, in->frames, in->outer_frames) == TRACE_CALL_RETURNED) {
      s->stats->jit_entries++;
      r = resume(caller, u.sp, u.locals, JIT_TOPS(u.sp));
    } else {
      caller->sp = u.sp;
      caller->locals = u.locals;
      r = JIT_RESULT(call_index, JIT_LEFT_NESTED);
    }
  }
  return r;
}

/* The callee's entry executor run nested in the frame just pushed above `frames`
   frames, or, without one or at the bound, the callee left to t1 at its start. With
   nest, an executor whose compiled code may run nested is not run: it is *nest, and the
   answer TRACE_CALL_NEST (trace_call). */
static inline __attribute__((always_inline)) TraceCall run_nested(VM *vm, UopState *u, uint32_t callee, uint32_t frames, int op,
                                                                  Executor **nest) {
  T2State *s = vm->t2;
  Executor *ex = s->nesting < s->max_nested ? t2_entry_executor(vm, callee) : NULL;
  if (!ex) {
    s->stats->nested_bound++;
    if (s->nesting >= s->max_nested) s->stats->nested_at_bound++;
    s->left_pc = 0;
    s->left_err = ERR_NONE;
    if (UNLIKELY(vm->hand_backs)) log_hand_back(vm, u, 0, op);
    return TRACE_CALL_LEFT;
  }
  if (trace_nests_compiled(s, ex)) {
    if (nest) {
      *nest = ex;
      return TRACE_CALL_NEST;
    }
    return trace_nested_compiled(vm, u, ex, frames);
  }
  uint32_t outer_frames = trace_nest_begin(s, frames), pc = 0;
  ErrorKind err = run(vm, ex, u, &pc, 0);
  return nested_end(vm, err, pc, frames, outer_frames);
}

TraceCall trace_call(VM *vm, UopState *u, uint32_t callee, uint32_t argc, uint32_t at, Executor **nest) {
  uint32_t frames = vm->nframes;
  ErrorKind err = frame_enter(vm, u, callee, argc, at, at + OP_SIZE_CALL);
  if (UNLIKELY(err)) {
    vm->t2->left_err = err;
    return TRACE_CALL_FAILED;
  }
  return run_nested(vm, u, callee, frames, TOP_CALL_TRACE, nest);
}

/* Leaves for t1 at the instruction at `at`, which t1 runs itself (err: none), or with
   the error err raised there. */
static TraceCall leave_at(VM *vm, uint32_t at, ErrorKind err) {
  T2State *s = vm->t2;
  if (err) s->stats->errors[err]++;
  s->left_pc = at;
  s->left_err = err;
  return TRACE_CALL_LEFT;
}
/* The same for call_any, whose stack is then the instruction's own: the frame-state
   check compares it with ref's there. */
static TraceCall leave_at_call(VM *vm, UopState *u, uint32_t at, ErrorKind err) {
  if (!err) vm->t2->stats->call_any_left++;
  if (UNLIKELY(vm->hand_backs)) log_hand_back(vm, u, at, TOP_CALL_ANY);
  return leave_at(vm, at, err);
}

TraceCall trace_call_any(VM *vm, UopState *u, uint32_t argc, uint32_t at, Executor **nest) {
  Value callee = u->sp[-1 - (int)argc];
  vm->t2->stats->call_any++;
  if (is_class(callee)) {  /* as t1's CALL: the instance, then init's frame if it has one */
    uint32_t frames = vm->nframes;
    bool entered = false;
    ErrorKind err = frame_call_class(vm, u, argc, at + OP_SIZE_CALL, &entered);
    if (err) return leave_at_call(vm, u, at, err);  /* an instance came and went: not to be run again */
    return entered ? run_nested(vm, u, frame_top(vm)->func, frames, TOP_CALL_ANY, nest) : TRACE_CALL_RETURNED;
  }
  uint32_t fn = trace_call_any_function(vm, callee, argc);
  if (fn == UINT32_MAX) return leave_at_call(vm, u, at, ERR_NONE);  /* a builtin, a wrong arity, not callable: t1's */
  return trace_call(vm, u, fn, argc, at, nest);
}

/* The common call of a due finalizer, made directly: the longest waiting instance's
   op_del a function of one parameter whose entry executor has compiled code
   (EntrySlot.code), fewer than the bound of runs nested, and room for its frame
   (frame_room_checked: then none of frame_check's errors can be raised). The instance is
   taken and pushed above its op_del, as frame_finalize_next and frame_invoke leave them,
   the frame pushed as they push it, and the code run nested; true, the call's answer in
   *r. Else false with nothing done, for the generic path, which raises every error. It
   spares the generic operator call's steps (sem_operator's Invoke, frame_invoke's
   argument move, run_nested's choice): bench/finalize.tas under jit, 7.33e9 -> 6.85e9
   instructions (callgrind). The op_del found is kept with its class and that class's
   version (T2State.del_class), which a change of the class or of a base renews, so that
   the next instance of the class takes it without a lookup. Under the test-only fault
   t2-finalizer-any-version the kept op_del is taken whatever the version. */
static inline bool finalize_compiled(VM *vm, UopState *u, uint32_t at, uint32_t frames, TraceCall *r) {
  T2State *s = vm->t2;
  uint32_t name = vm->operator_name[OPM_DEL];
  if (s->off.no_direct_finalizers || name == SHAPE_NONE) return false;  /* localization's switch; no op_del anywhere */
  const ObjClass *cls = heap_next_waiting(&vm->heap)->cls;
  Value f;
  if (cls == s->del_class && (cls->version == s->del_version || vm->t1.fault == FAULT_T2_FINALIZER_ANY_VERSION)) {
    f = val_func(s->del_func);
  } else {  /* a class of another version: its attributes, or a base's, may have changed */
    if (!class_lookup(cls, name, &f, NULL) || f.kind != VAL_FUNC) return false;
    s->del_class = cls->version ? cls : NULL;  /* version 0 is spent: never taken */
    s->del_version = cls->version;
    s->del_func = f.as.fn;
  }
  const EntrySlot *slot = &s->at_entry[f.as.fn];
  size_t new_base = (size_t)(u->sp + 1 - vm->stack);
  if (!slot->code || slot->nparams != 1 || s->nesting >= s->max_nested ||
      !frame_room_checked(vm, new_base, slot->frame_bytes / sizeof(Value)))
    return false;
  u->sp[0] = val_func(f.as.fn);
  u->sp[1] = val_obj(&heap_take_waiting(&vm->heap)->obj);  /* the queue's count, now the argument's */
  u->sp += 2;
  uint32_t resume = at;  /* the instruction not run yet, run after the finalizer */
  if (UNLIKELY(vm->t1.fault == FAULT_T2_FINALIZER_DIRECT_RESUME_AFTER))  /* test-only fault */
    resume = at + op_length(vm->module->funcs[frame_top(vm)->func].code[at]);
  frame_push(vm, u, f.as.fn, 1, slot->nlocals, new_base, at, resume);
  frame_top(vm)->ret = FRAME_RET_FINALIZER;
  vm->finalizers_running++;
  s->stats->finalizers_direct++;
  *r = trace_nested_compiled(vm, u, slot->ex, frames);
  return true;
}

TraceCall trace_finalize(VM *vm, UopState *u, uint32_t at) {
  vm->t2->stats->finalizer_leaves++;
  do {  /* what t1 does before an instruction while one is due (interp.h: finalize, invoke) */
    uint32_t frames = vm->nframes;
    vm->t2->stats->finalizer_calls++;
    TraceCall direct;
    if (finalize_compiled(vm, u, at, frames, &direct)) {
      if (direct != TRACE_CALL_RETURNED) return direct;
      continue;
    }
    UopStatus st = frame_finalize_next(vm, u);
    if (st == UOP_INVOKE) {
      ErrorKind err = frame_invoke(vm, u, at, at);
      if (err) return leave_at(vm, at, err);  /* the instance pushed, as t1's invoke raises it */
      TraceCall r = run_nested(vm, u, vm->invoke.func, frames, TOP_CHECK_FINALIZERS, NULL);
      if (r != TRACE_CALL_RETURNED) return r;
    } else if (st != UOP_OK) {
      return leave_at(vm, at, (ErrorKind)st);
    }
  } while (finalizer_due(vm));
  return TRACE_CALL_RETURNED;
}
