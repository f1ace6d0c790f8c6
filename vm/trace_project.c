/* trace_project.c: trace projection: from an offset of t1's quickened code to a
 * straight line of uops, following the way the code went while t1 ran it.
 *
 *   specialized form   its guard (exit: the instruction itself), then its action
 *   generic form       its uop
 *   JUMP               nothing: projection goes on at the target
 *   FOR_ITER           FOR_ITER: the next value, or exit to the jump target when done;
 *                      a form for one kind (FOR_ITER_ARRAY ...) is its guard, then the
 *                      trace op of that kind (FOR_ITER_ARRAY ...), with the same exit
 *   JUMP_IF_*          BRANCH in the direction t1's branch history shows most (exit: the
 *                      other direction, after the pop, as if the jump had run); a fused
 *                      comparison is guard, COMPARE and BRANCH; a bool form
 *                      (JUMP_IF_FALSE_BOOL ...) GUARD_BOOL and BRANCH, which then
 *                      branches on a proven bool (the other kinds' forms: BRANCH alone,
 *                      whose own test costs less than a guard and a truth test)
 *   LOOP               LOOP when it closes the trace's own loop; else LINK (at run time,
 *                      into that loop's executor if it has one, else exit to its head)
 *   CALL_EXACT         inlined when small, not recursive and at most TRACE_MAX_INLINE
 *   CALL_CLOSURE       frames deep: GUARD_CALLEE, PUSH_FRAME, then the callee's code; its
 *                      RETURN becomes POP_FRAME (a closure: GUARD_CLOSURE_CALLEE, and the
 *                      closure stays in the callee slot); otherwise the guard, then
 *                      CALL_TRACE, which runs the callee's entry executor nested, and the
 *                      trace goes on after the call
 *   CALL_CLASS         inlined on the same terms: GUARD_CLASS_CALLEE, PUSH_INIT_FRAME
 *                      (the instance, then init's frame), then init's code, whose RETURN
 *                      becomes POP_FRAME POP_FRAME_INSTANCE; otherwise the guard, then
 *                      CALL_ANY, which calls the class as CALL does
 *   RETURN             of the trace's own frame: RETURN, which ends the trace (main's:
 *                      EXIT before it, the run's end is t1's)
 *   anything else      EXIT before it: a generic CALL, a RAISE, a jump t1 never ran, the
 *                      length bound
 *
 * After an instruction whose uops may release an object (trace_op_releases), the next
 * instruction starts with CHECK_FINALIZERS: the trace leaves there when a finalizer is
 * due, for the interpreter to call it before that instruction (docs/semantics.md section
 * 23.8). A module without the name op_del can have no finalizer, and gets no checks.
 *
 * LOAD_GLOBAL_CACHED projects as a plain LOAD_GLOBAL: its version guard protects t1's
 * cache, not the load; the optimizer promotes globals with one check per entry. */
#include "specialize.h"
#include "trace.h"

typedef struct {
  const VM *vm;
  TraceBuffer *t;
} Projection;

static uint32_t add_exit(TraceBuffer *t, uint32_t func, uint32_t pc) {
  t->exits[t->nexits] = (TraceExit){.func = func, .pc = pc, .depth = t->depth};
  return t->nexits++;
}

static void emit(TraceBuffer *t, int op, uint32_t oparg, uint64_t operand, uint32_t func, uint32_t pc, uint32_t exit) {
  ASSERT(t->len < TRACE_MAX_LEN, "trace buffer overflow");
  t->code[t->len++] = (TraceInst){(uint16_t)op, (uint16_t)exit, oparg, operand, func, pc};
}

/* A guard exits to the instruction it belongs to, with nothing done yet. */
static void emit_guard(TraceBuffer *t, int guard, uint32_t oparg, uint64_t operand, uint32_t func, uint32_t pc) {
  emit(t, guard, oparg, operand, func, pc, add_exit(t, func, pc));
}

/* The trace op a for_iter form's tail projects to. */
static int for_iter_op(SpecTail tail) {
  switch (tail) {
  case TAIL_ITER_ARRAY: return TOP_FOR_ITER_ARRAY;
  case TAIL_ITER_RANGE: return TOP_FOR_ITER_RANGE;
  case TAIL_ITER_MAP: return TOP_FOR_ITER_MAP;
  case TAIL_ITER_STRING: return TOP_FOR_ITER_STRING;
  default: UNREACHABLE();
  }
}

/* The conditional jump at jpc (jumping to `target` on truthiness `jump_on`), in the
   direction its history shows. Returns the offset the trace goes on at, or -1 when the
   jump never ran. */
static int64_t emit_branch(Projection *p, uint32_t func, uint32_t jpc, bool jump_on, uint32_t target) {
  int bias = t1_branch_bias(&p->vm->t1.cache[func][jpc]);
  if (bias < 0) return -1;
  uint32_t next = jpc + OP_SIZE_JUMP_IF_FALSE;
  uint32_t go = bias ? target : next, other = bias ? next : target;
  bool expect = bias ? jump_on : !jump_on;
  emit(p->t, TOP_BRANCH, expect, 0, func, jpc, add_exit(p->t, func, other));
  return go;
}

/* Operands are read from the module's code: quickening changes opcodes, never operands. */
static uint32_t jump_target(const uint8_t *code, uint32_t pc) { return pc + OP_SIZE_JUMP + op_operand(code, pc); }

/* Localization's cut (SwitchedOff.trace_insts): the trace ends after f:pc, whose t1
   opcode is op (t2 records what it became: note_cut in trace_executor.c). */
static void mark_cut(TraceBuffer *t, uint32_t f, uint32_t pc, int op) {
  t->cut = true;
  t->cut_func = f;
  t->cut_pc = pc;
  t->cut_opcode = (uint32_t)op;
}

bool trace_project(const VM *vm, uint32_t func, uint32_t start_pc, bool closes_loop, uint32_t outer, TraceBuffer *t,
                   TraceAbort *why) {
  const Module *m = vm->module;
  Projection p = {vm, t};
  struct {
    uint32_t func, return_pc;
    bool init;  /* an init a class call entered: its pop gives the instance */
  } inlined[TRACE_MAX_INLINE];
  uint32_t depth = 0, f = func, pc = start_pc;
  const SwitchedOff *off = &vm->t2->off;
  /* Checks only where a finalizer can become due: a class defines one. Localization's
     every_check puts one before every instruction (no placement), still only then. */
  bool any_finalizer = vm->operator_name[OPM_DEL] != SHAPE_NONE;
  bool finalizers = any_finalizer && vm->t1.fault != FAULT_T2_FINALIZER_LATE;
  bool every_check = any_finalizer && off->every_check;
  uint32_t checked = 0;  /* the uops before this index need no check */
  bool cut = off->cut && (!off->t2_upto || vm->t2->count == off->t2_id);  /* count: the id it would get */
  uint32_t insts = 0;
  struct {
    uint32_t f, pc;
    int op;
  } last = {0, 0, -1};  /* the cut's last instruction, when a cut is asked for */
  t->len = t->nexits = t->loop_start = 0;
  t->cut = false;
  t->unwarmed = 0;
  uint32_t popped = 0;  /* of the outer frames */
  for (;;) {
    t->depth = outer + depth;
    const uint8_t *code = m->funcs[f].code;
    const T1Cache *c = &vm->t1.cache[f][pc];
    int op = vm->t1.code[f][pc];
    if (op < OP__COUNT && t1_is_specializable((Opcode)op) && c->backoff == 0) t->unwarmed++;
    if (cut && insts == off->trace_insts) {
      if (last.op >= 0) mark_cut(t, last.f, last.pc, last.op);
      t->end = TRACE_END_LENGTH;
      break;
    }
    if (finalizers || every_check) {
      bool released = every_check && t->len > checked;
      for (uint32_t i = checked; i < t->len; i++) released |= trace_op_releases(t->code[i].op);
      if (released) emit(t, TOP_CHECK_FINALIZERS, 0, 0, f, pc, add_exit(t, f, pc));
      checked = t->len;
    }
    if (cut && ++insts == off->trace_insts) last.f = f, last.pc = pc, last.op = op;
    /* Room for the longest expansion (guard, action, branch), the check after it and a
       final exit. */
    if (t->len + 5 > TRACE_MAX_LEN) {
      t->end = TRACE_END_LENGTH;
      break;
    }
    if (op >= OP__COUNT) {
      const SpecInfo *s = spec_info(op);
      uint32_t size = op_length(s->generic);
      switch (s->tail) {
      case TAIL_NEXT:
        if (s->guard != UOP_GUARD_GLOBALS_VERSION) emit_guard(t, s->guard, c->aux, c->operand, f, pc);
        emit(t, s->action, c->aux, c->operand, f, pc, TRACE_NO_EXIT);
        pc += size;
        continue;
      case TAIL_FUSED_BRANCH: {
        uint32_t jpc = pc + size;
        if (t1_branch_bias(&vm->t1.cache[f][jpc]) < 0) {
          t->end = TRACE_END_COLD_BRANCH;
          break;
        }
        emit_guard(t, s->guard, c->aux, c->operand, f, pc);
        emit(t, s->action, c->aux, c->operand, f, pc, TRACE_NO_EXIT);
        pc = (uint32_t)emit_branch(&p, f, jpc, c->operand != 0, jump_target(code, jpc));
        continue;
      }
      case TAIL_BRANCH: {
        if (t1_branch_bias(&vm->t1.cache[f][pc]) < 0) {
          t->end = TRACE_END_COLD_BRANCH;
          break;
        }
        if (s->guard == UOP_GUARD_BOOL) emit_guard(t, s->guard, c->aux, c->operand, f, pc);
        pc = (uint32_t)emit_branch(&p, f, pc, s->generic == OP_JUMP_IF_TRUE, jump_target(code, pc));
        continue;
      }
      case TAIL_ITER_ARRAY: case TAIL_ITER_RANGE: case TAIL_ITER_MAP: case TAIL_ITER_STRING:
        emit_guard(t, s->guard, 0, 0, f, pc);
        emit(t, for_iter_op(s->tail), 0, 0, f, pc, add_exit(t, f, jump_target(code, pc)));
        pc += OP_SIZE_FOR_ITER;
        continue;
      case TAIL_CALL:
      case TAIL_CALL_CLASS: {  /* a function or a closure of it; a class, and so its init */
        bool init = s->tail == TAIL_CALL_CLASS;
        uint32_t callee = init ? CALL_CLASS_INIT(c->operand) : (uint32_t)c->operand;
        bool recursive = callee == func || callee == f;
        for (uint32_t i = 0; i < depth; i++) recursive |= inlined[i].func == callee;
        emit_guard(t, s->guard, c->aux, c->operand, f, pc);
        if (recursive || depth == TRACE_MAX_INLINE || m->funcs[callee].code_len > TRACE_INLINE_MAX_CODE) {
          emit(t, init ? TOP_CALL_ANY : TOP_CALL_TRACE, c->aux, init ? 0 : callee, f, pc, TRACE_NO_EXIT);
          pc += OP_SIZE_CALL;
          continue;
        }
        emit(t, init ? TOP_PUSH_INIT_FRAME : TOP_PUSH_FRAME, c->aux, callee, f, pc, TRACE_NO_EXIT);
        inlined[depth].func = f;
        inlined[depth].init = init;
        inlined[depth++].return_pc = pc + OP_SIZE_CALL;
        f = callee;
        pc = 0;
        continue;
      }
      }
      break;
    }
    switch (op) {
    case OP_JUMP: pc = jump_target(code, pc); continue;
    case OP_JUMP_IF_FALSE:
    case OP_JUMP_IF_TRUE: {
      int64_t go = emit_branch(&p, f, pc, op == OP_JUMP_IF_TRUE, jump_target(code, pc));
      if (go < 0) {
        t->end = TRACE_END_COLD_BRANCH;
        break;
      }
      pc = (uint32_t)go;
      continue;
    }
    case OP_LOOP: {
      uint32_t head = pc + OP_SIZE_LOOP - op_operand(code, pc);
      if (closes_loop && depth == 0 && f == func && head == start_pc) {
        emit(t, TOP_LOOP, trace_loop_units(vm), 0, f, pc, TRACE_NO_EXIT);
        t->end = TRACE_END_CLOSED;
      } else {
        emit(t, TOP_LINK, f, pc, f, pc, add_exit(t, f, head));
        t->end = TRACE_END_LINKED;
      }
      if (cut && insts == off->trace_insts) mark_cut(t, last.f, last.pc, last.op);
      return true;
    }
    case OP_FOR_ITER:
      emit(t, TOP_FOR_ITER, 0, 0, f, pc, add_exit(t, f, jump_target(code, pc)));
      pc += OP_SIZE_FOR_ITER;
      continue;
    case OP_CALL:
      /* A call t1 has not tried to specialize yet ends the trace: made in t1 it may become
         call_exact, which a later trace inlines; one t1 gave up on (a class, a site that
         sees several callees) is made in the trace. */
      if (vm->t1.cache[f][pc].backoff == 0) {
        t->end = TRACE_END_CALL;
        break;
      }
      emit(t, TOP_CALL_ANY, op_operand(code, pc), 0, f, pc, TRACE_NO_EXIT);
      pc += OP_SIZE_CALL;
      continue;
    case OP_RAISE: t->end = TRACE_END_RAISE; break;
    case OP_RETURN:
      if (depth > 0) {
        depth--;
        bool init = inlined[depth].init && vm->t1.fault != FAULT_T2_INIT_POP_VALUE;  /* test-only fault */
        emit(t, TOP_POP_FRAME, init ? POP_FRAME_INSTANCE : 0, 0, f, pc, TRACE_NO_EXIT);
        f = inlined[depth].func;
        pc = inlined[depth].return_pc;
        continue;
      }
      if (outer > 0) {
        /* A side trace begun in a frame its root inlined: that frame returns into the one
           it was called from, real now and the same at every exit of this place. */
        ASSERT(vm->nframes >= popped + 2, "an exit's depth counts frames the VM has");
        const Frame *caller = &vm->frames[vm->nframes - 2 - popped];
        bool init = vm->frames[vm->nframes - 1 - popped].ret == FRAME_RET_INSTANCE;  /* the root's push_init_frame */
        emit(t, TOP_POP_FRAME, init ? POP_FRAME_INSTANCE : 0, caller->func, f, pc, TRACE_NO_EXIT);
        outer--;
        popped++;
        f = caller->func;
        pc = caller->pc;
        continue;
      }
      t->end = TRACE_END_RETURN;
      if (f == m->main_func) break;  /* the run's end is t1's (a main called as a function
                                        returns through t1 too) */
      emit(t, TOP_RETURN, 0, 0, f, pc, TRACE_NO_EXIT);
      if (cut && insts == off->trace_insts) mark_cut(t, last.f, last.pc, last.op);
      return true;
    default:
      ASSERT(uop_of_opcode[op] >= 0, "a non-control instruction without a uop");
      emit(t, uop_of_opcode[op], op_operand(code, pc), 0, f, pc, TRACE_NO_EXIT);
      pc += op_length((Opcode)op);
      continue;
    }
    break;
  }
  /* The trace stops before the instruction at f:pc, which t1 runs. */
  if (t->end == TRACE_END_COLD_BRANCH) t->unwarmed++;  /* a jump t1 never ran */
  if (t->len == 0) {
    *why = TRACE_ABORT_EMPTY;
    return false;
  }
  emit(t, TOP_EXIT, 0, 0, f, pc, add_exit(t, f, pc));
  return true;
}
