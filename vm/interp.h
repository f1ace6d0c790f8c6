/* interp.h: the bytecode interpreter template, built eight times: ref, t1 and t2, each
 * with computed-goto and with switch dispatch (the test suite runs them all), and ref
 * and t1 with steps watched. The
 * includer defines INTERP_RUN (the function name), INTERP_T1 (0: ref, 1: t1 or t2),
 * INTERP_T2 (1: t2), INTERP_COMPUTED_GOTO (0 or 1) and, for the two built for
 * localization (ref_steps.c, t1_steps.c), INTERP_STEPS 1: each place about to run may
 * be marked (step_watch.h).
 *
 *   ref  generic instructions only, on the module's own code: the tier that defines
 *        the semantics.
 *   t1   the same generic handlers, plus quickening (specialize.h): on its own copy
 *        of the code, a specializable instruction counts down, rewrites itself into a
 *        specialized form, and a failed guard rewrites it back (deopt).
 *   t2   t1, and a LOOP that gets hot runs the executor of its loop (trace.h) from the
 *        loop head; the executor's exit tells where t1 goes on.
 *
 * The handlers of instructions whose BODY is UOP are generated from TESSERA_OPCODES:
 * each runs its uop (uops.h), in every tier, and adapts when its T1 column says
 * ADAPTIVE; specialized forms are generated from TESSERA_SPECIALIZED. Control flow
 * (BODY CTRL) is this file's own business; entering and leaving frames is frames.h's. */

#include <string.h>

#include "frames.h"
#include "specialize.h"
#include "step_watch.h"
#include "trace.h"
#include "uops.h"
#include "vm.h"

#ifndef INTERP_HELPERS_DEFINED
#define INTERP_HELPERS_DEFINED
static inline uint32_t interp_u16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
#endif

#if INTERP_T1
#define OPCODE_COUNT OP__ALL
#define CODE_OF(fi) (vm->t1.code[fi])
#else
#define OPCODE_COUNT OP__COUNT
#define CODE_OF(fi) ((uint8_t *)m->funcs[fi].code)  /* ref never writes it */
#endif

#ifndef INTERP_STEPS
#define INTERP_STEPS 0
#endif
#if INTERP_STEPS
/* The place about to run, marked when the watch wants it (step_watch.h). */
#define STEP()                                  \
  if (UNLIKELY(vm->fuel_used >= vm->watch->fuel)) \
  step_watch_mark(vm, vm->watch, frame_top(vm)->func, pc, code[pc], u.sp)
#else
#define STEP() (void)0
#endif

#if INTERP_COMPUTED_GOTO
#define DISPATCH_NOW()               \
  do {                               \
    STEP();                          \
    goto *dispatch_table[code[pc]]; \
  } while (0)
#define CASE(name) do_##name:
#define INTERPRET_LOOP DISPATCH_NOW();
#else
#define DISPATCH_NOW() goto dispatch
#define CASE(name) case OP_##name:
#define INTERPRET_LOOP \
  dispatch:            \
  STEP();              \
  switch (code[pc])
#endif
/* The next instruction, after a finalizer call if one is due (docs/semantics.md
   section 23.8). Only instructions that may release an object need ask (frames.h:
   finalizer_due); the others go on with DISPATCH_NOW, or with AFTER(0), which asks in
   dev builds whether the table fact that they release nothing holds. */
#define DISPATCH()                                 \
  do {                                             \
    if (UNLIKELY(finalizer_due(vm))) goto finalize; \
    DISPATCH_NOW();                                \
  } while (0)
#define AFTER(releases)                                                                   \
  do {                                                                                    \
    if (releases) DISPATCH();                                                             \
    ASSERT(!finalizer_due(vm), "an instruction without UOPF_RELEASES made an instance wait");    \
    DISPATCH_NOW();                                                                       \
  } while (0)

#if INTERP_T2
/* Runs executor ex with run_fn (trace_run, or trace_run_entry at a frame's entry) and
   goes on where it left t1: in the top frame, which may have changed (an inlined frame
   an exit left in, a return), or at the error it raised.
   Through copies: were the addresses of u and pc passed out, they would live in memory,
   and every instruction of this interpreter would load and store sp and pc there. */
#define RUN_EXECUTOR(run_fn, ex)                           \
  do {                                                     \
    UopState tu_;                                          \
    uop_state_copy(&tu_, &u);                              \
    uint32_t tpc_ = pc;                                    \
    ErrorKind e_ = run_fn(vm, (ex), &tu_, &tpc_);          \
    uop_state_copy(&u, &tu_);                              \
    pc = tpc_;                                             \
    uint32_t func_ = frame_top(vm)->func;                  \
    fn = &m->funcs[func_];                                 \
    code = CODE_OF(func_);                                 \
    cache = vm->t1.cache[func_];                           \
    if (e_) {                                              \
      from_trace = true;                                   \
      THROW(e_);                                           \
    }                                                      \
    DISPATCH();                                            \
  } while (0)
#endif

bool INTERP_RUN(VM *vm, Value *result) {
#if INTERP_COMPUTED_GOTO
  static void *const dispatch_table[OPCODE_COUNT] = {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) &&do_##name,
    TESSERA_OPCODES(OP)
#undef OP
#if INTERP_T1
#define SPEC(name, generic, guard, action, tail, doc) &&do_##name,
    TESSERA_SPECIALIZED(SPEC)
#undef SPEC
#endif
  };
#endif
  const Module *m = vm->module;
  ErrorKind err = ERR_NONE;
#if INTERP_T1
  T1Stats *stats = vm->t1.stats;
  T1Cache *cache = vm->t1.cache[m->main_func];
#endif

  /* Registers: the current frame's function, code and pc; the uop state (stack
     pointer, locals); and for calls, the callee being entered. */
  const Function *fn = &m->funcs[m->main_func];
  uint8_t *code = CODE_OF(m->main_func);
  uint32_t pc = 0;
  UopState u = {vm, vm->stack, vm->stack};
  uint32_t call_fn = 0, call_argc = 0;
#if INTERP_T2
  bool from_trace = false;  /* the error being raised came out of a trace */
#endif

  if (!vm->frames)  /* never more than the depth limit (frame_room_checked) */
    vm_grow_frames(vm, vm->limits.max_depth < 16 ? (vm->limits.max_depth ? vm->limits.max_depth : 1) : 16);
  vm->frames[0] = (Frame){m->main_func, 0, 0, FRAME_RET_VALUE, 0};
  vm->nframes = 1;
  if (vm->limits.max_depth < 1) {
    err = vm_fail(vm, ERR_DEPTH, "call depth limit 0 leaves no room for main");
    goto error;
  }
  if (frame_slots(fn) > VM_MAX_STACK_SLOTS) {
    err = vm_fail(vm, ERR_DEPTH, "frame of main exceeds %u stack slots", VM_MAX_STACK_SLOTS);
    goto error;
  }
  vm_reserve_stack(vm, frame_slots(fn));
  u.sp = u.locals = vm->stack;
  for (size_t i = 0; i < (size_t)fn->nparams + fn->nlocals; i++) *u.sp++ = val_nil();

/* The operand and the length of instruction `name`, decoded with constants. */
#define OPERAND_OF(name) \
  (OP_SIZE_##name == 1 ? 0u : OP_SIZE_##name == 2 ? (uint32_t)code[pc + 1] : interp_u16(&code[pc + 1]))
#define NEXT_OF(name) pc += OP_SIZE_##name
#define THROW(e)  \
  do {            \
    err = (e);    \
    goto error;   \
  } while (0)
/* Runs uop `name` with oparg a; a runtime error leaves through THROW. */
#define RUN_UOP(name, a)                                  \
  do {                                                    \
    UopStatus st_ = uop_##name(&u, (a), 0);               \
    if (UNLIKELY(st_ != UOP_OK)) {                        \
      if (st_ == UOP_INVOKE) goto invoke;                 \
      THROW((ErrorKind)st_);                              \
    }                                                     \
  } while (0)

#if INTERP_T1
#define COUNT_EXEC() \
  if (UNLIKELY(stats != NULL)) stats->executed[code[pc]]++
/* A specializable generic instruction counts down; at zero it tries to specialize,
   and on success runs as its new form. */
#define ADAPT()                                                              \
  do {                                                                       \
    T1Cache *c_ = &cache[pc];                                                \
    if (UNLIKELY(--c_->counter == 0)) {                                      \
      int form_ = t1_choose(vm, code, pc, u.sp, c_);                         \
      if (form_) {                                                           \
        if (stats) stats->specialized[form_]++;                              \
        code[pc] = (uint8_t)form_;                                           \
        DISPATCH_NOW();                                                      \
      }                                                                      \
      if (stats) stats->failed[code[pc]]++;                                  \
      if (c_->backoff < T1_MAX_BACKOFF) c_->backoff++;                       \
      c_->counter = t1_counter(vm->t1.warmup, c_->backoff);                  \
    }                                                                        \
  } while (0)
#else
#define COUNT_EXEC() (void)0
#define ADAPT() (void)0
#endif
/* Branch history is for trace projection: only the tiers with traces record it. */
#if INTERP_T2
#define RECORD_BRANCH(at, jumped) t1_record_branch(&cache[at], jumped)
#else
#define RECORD_BRANCH(at, jumped) (void)0
#endif

/* An adaptive instruction (T1 column of opcodes.h) first counts down; a constant, so
   the test costs nothing. */
#define ADAPT_IF_ADAPTIVE(name) \
  if (OP_ADAPTIVE_##name) ADAPT()
/* An instruction whose BODY is UOP: its uop, then the next instruction. Control
   instructions (CTRL) are written below. */
#define HANDLER_UOP(name)              \
  CASE(name) {                         \
    COUNT_EXEC();                      \
    ADAPT_IF_ADAPTIVE(name);           \
    RUN_UOP(name, OPERAND_OF(name));   \
    NEXT_OF(name);                     \
    AFTER(UOP_RELEASES_##name);        \
  }
#define HANDLER_CTRL(name)

  INTERPRET_LOOP {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) HANDLER_##body(name)
    TESSERA_OPCODES(OP)
#undef OP

    CASE(JUMP) {
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(JUMP);
      pc += OP_SIZE_JUMP + OPERAND_OF(JUMP);
      AFTER(0);
    }
    CASE(JUMP_IF_FALSE)
    CASE(JUMP_IF_TRUE) {
      STATIC_ASSERT(OP_ADAPTIVE_JUMP_IF_FALSE == OP_ADAPTIVE_JUMP_IF_TRUE, "one handler: both adapt or neither");
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(JUMP_IF_FALSE);
      if (UNLIKELY(is_instance(u.sp[-1]))) {  /* op_bool, then this jump again on its result */
        UopStatus st_ = uop_operator(&u, u.sp[-1], OPM_BOOL, 1, FRAME_RET_VALUE, true);
        if (st_ == UOP_INVOKE) goto invoke;
        if (st_ != UOP_OK) THROW((ErrorKind)st_);
      }
      Value a = *--u.sp;
      bool t = sem_truthy(a);
      val_decref(&vm->heap, a);
      uint32_t next = pc + OP_SIZE_JUMP_IF_FALSE;
      bool jumped = t == (code[pc] == OP_JUMP_IF_TRUE);
      RECORD_BRANCH(pc, jumped);
      pc = jumped ? next + OPERAND_OF(JUMP_IF_FALSE) : next;
      DISPATCH();
    }
    CASE(LOOP) {
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(LOOP);
      {
        ErrorKind e_ = fuel_charge(vm, 1);
        if (e_) THROW(e_);
      }
#if INTERP_T2
      {
        Executor *ex_ = t2_loop_executor(vm, frame_top(vm)->func, pc);
        if (ex_) RUN_EXECUTOR(trace_run, ex_);
      }
#endif
      pc = pc + OP_SIZE_LOOP - OPERAND_OF(LOOP);
      AFTER(0);
    }
/* for_iter with step function `step`: the next value, or the jump when done (the
   iterator went, which may make a finalizer due). */
#define FOR_ITER_WITH(step)                          \
  {                                                  \
    ErrorKind e_;                                    \
    int r_ = step(&u, &e_);                          \
    if (r_ < 0) THROW(e_);                           \
    if (r_ == 0) {                                   \
      pc += OP_SIZE_FOR_ITER + OPERAND_OF(FOR_ITER); \
      DISPATCH();                                    \
    }                                                \
    NEXT_OF(FOR_ITER);                               \
    AFTER(0);                                        \
  }
    CASE(FOR_ITER) {
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(FOR_ITER);
      FOR_ITER_WITH(uop_for_iter)
    }
    CASE(CALL) {
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(CALL);
      call_argc = OPERAND_OF(CALL);
      Value callee = u.sp[-1 - (int)call_argc];
      if (is_class(callee)) {
#if INTERP_T1
      call_class:;  /* the form call_class's tail, its class proved */
#endif
        bool entered_ = false;
        ErrorKind e_ = frame_call_class(vm, &u, call_argc, pc + OP_SIZE_CALL, &entered_);
        if (e_) THROW(e_);
        if (!entered_) {
          NEXT_OF(CALL);
          DISPATCH();
        }
        call_fn = frame_top(vm)->func;
        goto entered_call;
      }
      if (callee.kind == VAL_BUILTIN) {  /* no frame: arity, then uop_CALL_BUILTIN's checks */
        if (builtin_arity[callee.as.fn] != call_argc)
          THROW(sem_arity_error(vm, builtin_name[callee.as.fn], builtin_arity[callee.as.fn], call_argc));
        UopStatus s_ = uop_CALL_BUILTIN(&u, call_argc, callee.as.fn);
        if (s_) THROW(s_);
        NEXT_OF(CALL);
        AFTER(0);
      }
      if (callee.kind == VAL_FUNC) call_fn = callee.as.fn;
      else if (is_closure(callee)) call_fn = as_closure(callee)->fn;  /* it stays in the callee slot */
      else THROW(vm_fail(vm, ERR_TYPE, "cannot call %s", value_type_name(callee)));
      if (m->funcs[call_fn].nparams != call_argc)
        THROW(sem_arity_error(vm, m->funcs[call_fn].name, m->funcs[call_fn].nparams, call_argc));
      goto enter_call;
    }
    CASE(RAISE) {
      /* x stays on the stack, as a failing instruction's operands do; a raised value is
         held once more in vm->raised until a handler gets it (frame_catch). */
      COUNT_EXEC();
      Value x_ = u.sp[-1];
      ErrorKind coded_ = x_.kind == VAL_INT ? error_of_code(x_.as.i) : ERR_NONE;
      if (coded_) THROW(vm_fail(vm, coded_, "raised by raise"));
      val_incref(x_);
      vm->raised = x_;
      THROW(vm_fail(vm, ERR_RAISED, "a %s raised and not caught", value_type_name(x_)));
    }
    CASE(RETURN) {
      COUNT_EXEC();
      ADAPT_IF_ADAPTIVE(RETURN);
      if (vm->nframes == 1) {
        Value r = *--u.sp;
        while (u.sp > vm->stack) val_decref(&vm->heap, *--u.sp);
        *result = r;
        return true;
      }
      Frame *caller = frame_return(vm, &u);
      fn = &m->funcs[caller->func];
      code = CODE_OF(caller->func);
#if INTERP_T1
      cache = vm->t1.cache[caller->func];
#endif
      pc = caller->pc;
      DISPATCH();
    }

#if INTERP_T1
    /* Specialized forms: guard, action, tail. */
#define TAIL_NEXT(generic, action) \
  NEXT_OF(generic);                  \
  AFTER(UOP_RELEASES_##action);
#define TAIL_BRANCH(generic, action)                                   \
  {                                                                    \
    bool t_ = (--u.sp)->as.b;                                          \
    uint32_t next_ = pc + OP_SIZE_##generic;                           \
    bool jumped_ = t_ == (OP_##generic == OP_JUMP_IF_TRUE);            \
    RECORD_BRANCH(pc, jumped_);                                        \
    pc = jumped_ ? next_ + c_->aux : next_;                            \
    AFTER(UOP_RELEASES_##action);                                      \
  }
/* The conditional jump after the comparison is skipped: its sense is cached, its
   offset is read from its operand bytes (which quickening never changes). */
#define TAIL_FUSED_BRANCH(generic, action)                             \
  {                                                                    \
    bool t_ = (--u.sp)->as.b;                                          \
    uint32_t jump_ = pc + OP_SIZE_##generic, next_ = jump_ + OP_SIZE_JUMP_IF_FALSE; \
    bool jumped_ = t_ == (c_->operand != 0);                           \
    RECORD_BRANCH(jump_, jumped_);                                     \
    pc = jumped_ ? next_ + interp_u16(&code[jump_ + 1]) : next_;       \
    AFTER(0);                                                          \
  }
#define TAIL_CALL(generic, action) \
  call_argc = c_->aux;       \
  call_fn = (uint32_t)c_->operand; \
  goto enter_call;
/* call_class: the guard proved the class; the call is CALL's for a class (making it here
   without the lookup made the rest of the loop slower: docs/tier1.md section 8). */
#define TAIL_CALL_CLASS(generic, action) \
  call_argc = c_->aux;                   \
  goto call_class;
#define TAIL_ITER_ARRAY(generic, action) FOR_ITER_WITH(uop_for_iter_array)
#define TAIL_ITER_RANGE(generic, action) FOR_ITER_WITH(uop_for_iter_range)
#define TAIL_ITER_MAP(generic, action) FOR_ITER_WITH(uop_for_iter_map)
#define TAIL_ITER_STRING(generic, action) FOR_ITER_WITH(uop_for_iter_string)
#define SPEC(name, generic, guard, action, tail, doc)                           \
  CASE(name) {                                                                  \
    COUNT_EXEC();                                                               \
    T1Cache *c_ = &cache[pc];                                                   \
    if (uop_##guard(&u, c_->aux, c_->operand) != UOP_OK) goto deopt;            \
    UopStatus st_ = uop_##action(&u, c_->aux, c_->operand);                     \
    if (UNLIKELY(st_ != UOP_OK)) THROW((ErrorKind)st_);                         \
    TAIL_##tail(generic, action)                                                \
  }
    TESSERA_SPECIALIZED(SPEC)
#undef SPEC
#undef TAIL_NEXT
#undef TAIL_BRANCH
#undef TAIL_FUSED_BRANCH
#undef TAIL_CALL
#undef TAIL_CALL_CLASS
#undef TAIL_ITER_ARRAY
#undef TAIL_ITER_RANGE
#undef TAIL_ITER_MAP
#undef TAIL_ITER_STRING
#endif
#undef FOR_ITER_WITH
#if !INTERP_COMPUTED_GOTO
    default: UNREACHABLE();
#endif
  }
  UNREACHABLE();

#if INTERP_T1
deopt : {
  /* The guard changed nothing: write the generic form back, back off, and run the
     generic instruction this time. */
  T1Cache *c_ = &cache[pc];
  if (stats) stats->deopts[code[pc]]++;
  code[pc] = c_->generic;
  if (c_->backoff < T1_MAX_BACKOFF) c_->backoff++;
  c_->counter = t1_counter(vm->t1.warmup, c_->backoff);
  DISPATCH_NOW();
}
#endif

enter_call : {
  /* The callee (call_fn) takes exactly call_argc arguments, already checked. */
  ErrorKind e_ = frame_enter(vm, &u, call_fn, call_argc, pc, pc + OP_SIZE_CALL);
  if (e_) THROW(e_);
}
entered_call : {
#if INTERP_T2
  {
    Executor *ex_ = t2_entry_executor(vm, call_fn);
    if (ex_) RUN_EXECUTOR(trace_run_entry, ex_);
  }
#endif
  fn = &m->funcs[call_fn];
  code = CODE_OF(call_fn);
#if INTERP_T1
  cache = vm->t1.cache[call_fn];
#endif
  pc = 0;
  DISPATCH_NOW();
}

finalize : {
  /* The instance that waited longest: its finalizer is called as an operator method,
     with the instance pushed as its argument, returning to this instruction, which has
     not run yet; without op_del any more, it is released now. */
  UopStatus st_ = frame_finalize_next(vm, &u);
  if (st_ == UOP_INVOKE) goto invoke;
  if (st_ != UOP_OK) THROW((ErrorKind)st_);
  DISPATCH();
}

invoke : {
  /* An operator method (vm->invoke, set by sem_operator): called with the instruction's
     operands as its arguments, the method in the callee slot under them, as `call`
     would with the checks of `call`; it returns to the instruction after (or, for a
     truth test, to the instruction itself, which then tests the method's result; for a
     finalizer, to the instruction that has not run yet). */
  ErrorKind e_ = frame_invoke(vm, &u, pc, vm->invoke.again ? pc : pc + op_length(code[pc]));
  if (e_) THROW(e_);
  call_fn = vm->invoke.func;
  goto entered_call;
}

error : {
  /* The error is raised at the current instruction of the innermost frame. A handler
     for it (docs/semantics.md section 26) gets its value, and the run goes on there. */
  int64_t handler_ = frame_catch(vm, &u, pc, err, INTERP_T1 && vm->t1.fault == FAULT_CATCH_RANGE_END);
  if (handler_ >= 0) {
    uint32_t catcher_ = frame_top(vm)->func;
    fn = &m->funcs[catcher_];
    code = CODE_OF(catcher_);
#if INTERP_T1
    cache = vm->t1.cache[catcher_];
#endif
    pc = (uint32_t)handler_;
    err = ERR_NONE;
#if INTERP_T2
    if (from_trace) vm->t2->stats->caught++;
    from_trace = false;
    /* A handler that got hot runs its executor, unless a finalizer is due: the
       interpreter calls it before the handler's first instruction (semantics.md 26.3) */
    if (!finalizer_due(vm)) {
      Executor *hex_ = t2_handler_executor(vm, catcher_, pc);
      if (hex_) RUN_EXECUTOR(trace_run, hex_);
    }
#endif
    DISPATCH();
  }
}
  /* Not caught: the run ends. Every value on the stack is released, so heap statistics
     show only what remains reachable from globals, constants and cycles. */
  val_decref(&vm->heap, vm->raised);
  vm->raised = val_nil();
  vm->error = err;
  vm->error_func = frame_top(vm)->func;
  vm->error_pc = pc;
  while (u.sp > vm->stack) val_decref(&vm->heap, *--u.sp);
  return false;

#undef OPERAND_OF
#undef NEXT_OF
#undef THROW
#undef RUN_UOP
#undef COUNT_EXEC
#undef ADAPT
#undef RECORD_BRANCH
#undef ADAPT_IF_ADAPTIVE
#undef AFTER
#undef HANDLER_UOP
#undef HANDLER_CTRL
}

#undef DISPATCH
#undef DISPATCH_NOW
#undef STEP
#undef INTERP_STEPS
#undef CASE
#undef INTERPRET_LOOP
#undef OPCODE_COUNT
#undef CODE_OF
#undef RUN_EXECUTOR
