/* template.c: the stencil template. Compiled at build time by clang, once for
 * x86_64-linux-gnu and once for aarch64-linux-gnu (jit/CMakeLists.txt), never linked:
 * tessera-extract turns each object into a stencil set. One function per trace op,
 * stencil_NAME, built from the very uop bodies of vm/uops.h that t1 and t2 run.
 *
 * Holes are extern symbols whose address is the value, known only when a trace is
 * compiled (jit/stencil.h): _JIT_OPARG, _JIT_OPERAND, _JIT_INDEX, and the code to go on
 * with, _JIT_CONTINUE (the next uop) and _JIT_JUMP_TARGET (the loop start). The
 * signature and how code leaves: vm/jit_abi.h.
 *
 * Exits and links stay in compiled code when the executor they lead to is compiled;
 * building executors, counting towards them and invalidating them is left to
 * vm/trace_run.c, which runs those uops as the uop interpreter does. */
#include "frames.h"
#include "jit_abi.h"
#include "jit.h"
#include "trace.h"

extern char _JIT_OPARG[], _JIT_OPERAND[], _JIT_INDEX[], _JIT_EXIT[];
/* The next stencil's address as a value (a way back, or where shared code goes on):
   the same symbol as _JIT_CONTINUE, declared as data so that it is built as an
   absolute address, as the other holes are. */
extern char _JIT_CONTINUE_AT[] __asm__("_JIT_CONTINUE");
extern JitResult _JIT_CONTINUE(JitFrame *jf, Value *sp, Value *locals, uint64_t top0, uint64_t top1, uint64_t top2);
extern JitResult _JIT_JUMP_TARGET(JitFrame *jf, Value *sp, Value *locals, uint64_t top0, uint64_t top1,
                                  uint64_t top2);

/* A hole's value. The address of a declared object is never null as far as the compiler
   knows, so `operand != 0` would fold to true; the empty asm hides where the value comes
   from, so a hole patched to 0 is 0. */
static inline uint64_t hole(const char *symbol) {
  uint64_t v = (uint64_t)(uintptr_t)symbol;
  __asm__("" : "+r"(v));
  return v;
}
/* An oparg is 32 bits (but a call's: CALL_ARGC below): told so, the compiler indexes
   with it without zero-extending it first. */
static inline uint32_t hole32(const char *symbol) {
  uint64_t v = hole(symbol);
  __builtin_assume(v <= UINT32_MAX);
  return (uint32_t)v;
}
#define OPARG hole32(_JIT_OPARG)
/* The oparg of uop op: for the ops whose oparg is patched as a local's byte offset
   (jit_oparg_is_local), the index worked back from it; told that the offset is a whole
   number of Values, the compiler indexes with the offset as it came. */
static inline uint32_t local_index(void) {
  uint64_t offset = hole(_JIT_OPARG);
  __builtin_assume(offset % sizeof(Value) == 0 && offset <= UINT32_MAX);
  return (uint32_t)(offset / sizeof(Value));
}
#define OPARG_OF(op) (jit_oparg_is_local(op) ? local_index() : OPARG)
#define OPERAND hole(_JIT_OPERAND)
#define INDEX ((uint32_t)hole(_JIT_INDEX))

/* Every stencil has the signature of vm/jit_abi.h and starts by telling the compiler
   that the register cache equals the stack, so that the body's reads of the top payloads
   become the registers. The assumptions cost no instruction. */
#define STENCIL(name) \
  JitResult stencil_##name(JitFrame *jf, Value *sp, Value *locals, uint64_t top0, uint64_t top1, uint64_t top2)
#define BEGIN()                                   \
  UopState u = {jf->vm, sp, locals};              \
  __builtin_assume(sp[-1].as.i == (int64_t)top0); \
  __builtin_assume(sp[-2].as.i == (int64_t)top1); \
  __builtin_assume(sp[-3].as.i == (int64_t)top2)

#define CONTINUE() __attribute__((musttail)) return _JIT_CONTINUE(jf, u.sp, u.locals, JIT_TOPS(u.sp))

/* Tells the compiler that the stack may have changed, so that it keeps no cached top
   in a register across what follows and loads the cache again for the next stencil
   (the stack is written through). For a stencil that needs more registers than the
   cache leaves free, it trades the registers it saved for loads of the tops. Fewer
   instructions, but not always less time: only store_local_elem was faster by
   bench/compare.sh (docs/jit.md, "Cold paths"). AArch64 has registers to spare:
   there it would only add the loads. */
#if defined(__x86_64__)
#define FORGET_CACHE() __asm__ volatile("" ::: "memory")
#else
#define FORGET_CACHE() ((void)0)
#endif

/* Leaving compiled code, and taking an exit, are shared code in the blob, reached by a
   tail call that carries what the stencil knows in the cache's registers: a stencil's
   cold path is then a few instructions. */
static __attribute__((noinline)) JitResult jit_leave(JitFrame *jf, Value *sp, Value *locals, uint64_t result,
                                                     uint64_t unused1, uint64_t unused2) {
  jf->sp = sp;
  jf->locals = locals;
  return result;
}
#define LEAVE(reason) \
  __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT(INDEX, (reason)), 0, 0)

/* A uop that fails hands itself to the uop interpreter, which runs it again: it fails
   the same way (a failing uop changes nothing), this time recording the error's detail.
   So stencils never format an error (vm.h makes their vm_fail a plain value), and a
   stencil whose only call was its error's needs no register saves. */
#define FAIL() LEAVE(JIT_LEFT_HANDOFF)

/* Charges `units` of fuel. The stack is untouched, so the register cache is passed on as
   it came: read after the store to fuel_used, which the compiler cannot tell apart from
   a stack slot, it would be loaded again. */
#define CHARGE_FUEL(units)                 \
  do {                                     \
    if (UNLIKELY(!fuel_left(u.vm))) FAIL(); \
    u.vm->fuel_used += (units);            \
  } while (0)

/* Into executor `to`'s compiled code, from its first uop, with the stack at sp. */
static inline __attribute__((always_inline)) JitEntry jit_enter(VM *vm, JitFrame *jf, Executor *to) {
  vm->t2->stats->linked++;
  jf->executor = to;
  return (JitEntry)(void *)to->jit->mem;
}
#define ENTER(vm, to, sp, locals) \
  __attribute__((musttail)) return jit_enter((vm), jf, (to))(jf, (sp), (locals), JIT_TOPS(sp))

/* Takes the uop's exit: through the exit's own pointer into its compiled side trace's
   side entry (TraceExit.code), one indirect jump per exit site, which the branch
   predictor learns per exit (one shared jump into every side trace was mispredicted
   whenever another exit went before); else back to vm/trace_run.c, which counts the
   exit and may build the side trace. */
#define TAKE_EXIT_AT(exit, index)                                                                   \
  do {                                                                                              \
    const TraceExit *e_ = (exit);                                                                   \
    JitEntry side_ = (JitEntry)e_->code;                                                            \
    if (side_) __attribute__((musttail)) return side_(jf, u.sp, u.locals, (index), (uint64_t)(uintptr_t)e_, 0); \
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT((index), JIT_LEFT_EXIT), 0, 0); \
  } while (0)
#define TAKE_EXIT() TAKE_EXIT_AT((const TraceExit *)(uintptr_t)hole(_JIT_EXIT), INDEX)

/* The condition of a guard's or branch's exit, which is rare, told to the compiler as
   likely: that lays the exit's tail call first and the jump to the next stencil last,
   where the extractor cuts it, so the hot path falls through into the next uop (a taken
   conditional branch, not a branch and a jump). The hint changes layout only. */
#define EXIT_LAID_FIRST(cond) __builtin_expect(!!(cond), 1)

/* A release that frees, made by shared code in the blob reached by a tail call, so that
   the stencil that drops the count makes no call (a call on its fast path made it save
   registers there): `freed`'s count is zero, it is released, then `then_drop`'s count
   (if not NULL) drops, as val_decref drops it; then on to `next`. */
static __attribute__((noinline)) JitResult release_then(JitFrame *jf, Value *sp, Value *locals, uint64_t freed,
                                                        uint64_t then_drop, uint64_t next) {
  Heap *h = &jf->vm->heap;
  heap_release_obj(h, (Obj *)(uintptr_t)freed);
  if (then_drop) val_decref(h, val_obj((Obj *)(uintptr_t)then_drop));
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, sp, locals, JIT_TOPS(sp));
}
#define RELEASE_THEN(freed, then_drop)                                                                        \
  __attribute__((musttail)) return release_then(jf, u.sp, u.locals, (uint64_t)(uintptr_t)(freed),             \
                                                (uint64_t)(uintptr_t)(then_drop), hole(_JIT_CONTINUE_AT))

/* A value's count dropped, as val_decref drops it, its release (when it frees) by
   release_then, which goes on to the next uop: then `then_drop` (an Obj *, or NULL) is
   dropped too. Else the stencil goes on after it. */
#define DROP_APART_THEN(v, then_drop) \
  if ((v).kind == VAL_OBJ && --(v).as.obj->refcount == 0) RELEASE_THEN((v).as.obj, (then_drop))

/* The releases of a store into a container, in its uop body's order, by release_then:
   the value replaced, then the container popped, then on. */
#define RELEASE_APART_AND_CONTINUE(replaced, container)                                   \
  do {                                                                                    \
    DROP_APART_THEN((replaced), (container));                                             \
    if (--(container)->refcount == 0) RELEASE_THEN((container), NULL);                    \
    CONTINUE();                                                                           \
  } while (0)

/* set_array_int's and cell_set_cell's stores as their uop bodies make them, their
   releases apart. */
#define SET_ARRAY_INT_RELEASING_APART()                                                   \
  do {                                                                                    \
    Value old;                                                                            \
    ObjArray *a;                                                                          \
    if (UNLIKELY(uop_set_array_int_store(&u, &old, &a))) FAIL();                          \
    RELEASE_APART_AND_CONTINUE(old, &a->obj);                                             \
  } while (0)
#define CELL_SET_CELL_RELEASING_APART(flags)                                              \
  do {                                                                                    \
    Value old;                                                                            \
    ObjCell *c;                                                                           \
    uop_cell_set_cell_store(&u, &old, &c);                                                \
    trace_count_effects(u.vm->t2->stats, flags);                                          \
    RELEASE_APART_AND_CONTINUE(old, &c->obj);                                             \
  } while (0)

/* store_local's store as its body makes it, the release apart (a call to
   heap_release_obj_preserving made the stencil save three registers). */
#define STORE_LOCAL_RELEASING_APART()                                                     \
  do {                                                                                    \
    Value old = uop_pop_into(&u, &u.locals[OPARG_OF(UOP_STORE_LOCAL)]);                   \
    DROP_APART_THEN(old, NULL);                                                           \
    CONTINUE();                                                                           \
  } while (0)

/* A miss of load_attr's or load_method's attribute cache, or a value that is no
   instance: shared code in the blob that runs the uop's body (vm/uops.h:
   uop_attr_cached, which fills an entry), then on to `next`. */
static __attribute__((noinline)) JitResult attr_miss(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                     uint64_t unused, uint64_t next) {
  const TraceInst *ti = &jf->executor->code[index];
  UopState u = {jf->vm, sp, locals};
  UopStatus st = ti->op == UOP_LOAD_ATTR ? uop_LOAD_ATTR(&u, ti->oparg, ti->operand)
                                         : uop_LOAD_METHOD(&u, ti->oparg, ti->operand);
  if (UNLIKELY(st != UOP_OK)) /* nothing changed: the uop interpreter raises it */
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT((uint32_t)index, JIT_LEFT_HANDOFF), 0, 0);
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}

/* load_attr and load_method (`method`: the value under the instance) read through an
   entry of their attribute cache, which every one in a trace has (OPERAND), the
   instance of load_attr released apart. */
#define LOAD_ATTR_CACHED(method)                                                                       \
  do {                                                                                                 \
    Value x_ = val_load(&u.sp[-1]);                                                                    \
    uint32_t where_ = is_instance(x_) ? attr_cache_where((const AttrCache *)(uintptr_t)OPERAND, as_instance(x_)) \
                                      : ATTR_CACHE_MISS;                                               \
    if (UNLIKELY(where_ == ATTR_CACHE_MISS))                                                           \
      __attribute__((musttail)) return attr_miss(jf, u.sp, u.locals, INDEX, 0, hole(_JIT_CONTINUE_AT)); \
    Value v_ = val_load(attr_cache_place(as_instance(x_), where_));                                    \
    val_incref(v_);                                                                                    \
    val_store(&u.sp[-1], v_);                                                                          \
    if (method) {                                                                                      \
      val_store(u.sp++, x_);                                                                           \
      CONTINUE();                                                                                      \
    }                                                                                                  \
    DROP_APART_THEN(x_, NULL);                                                                         \
    CONTINUE();                                                                                        \
  } while (0)

/* load_local, load_global and push_const: the value at `slot` pushed, and the next
   stencil's tops given from the cache's registers before its count is taken. With the
   count first, as the uop body takes it, its store might have been to the stack for all
   the compiler knew (-fno-strict-aliasing), and it loaded the two tops under the pushed
   value again from the stack: two loads in every such push of a reference. */
#define PUSH_COUNTED_AFTER(slot)                                                           \
  do {                                                                                     \
    Value v_ = val_load(slot);                                                             \
    val_store(u.sp++, v_);                                                                 \
    uint64_t next0_ = (uint64_t)v_.as.i, next1_ = top0, next2_ = top1;                    \
    val_incref(v_);                                                                        \
    __attribute__((musttail)) return _JIT_CONTINUE(jf, u.sp, u.locals, next0_, next1_, next2_); \
  } while (0)

/* A uop: its body, then the next stencil (set_array_int, cell_set_cell and store_local:
   as their bodies, apart; load_attr and load_method through their caches; the pushes of
   PUSH_COUNTED_AFTER as it says). */
#define UOP(name, stack, needs, result, flags, doc)                                    \
  STENCIL(name) {                                         \
    BEGIN();                                              \
    if (UOP_##name == UOP_SET_ARRAY_INT) SET_ARRAY_INT_RELEASING_APART(); \
    if (UOP_##name == UOP_CELL_SET_CELL) CELL_SET_CELL_RELEASING_APART(flags); \
    if (UOP_##name == UOP_STORE_LOCAL) STORE_LOCAL_RELEASING_APART(); \
    if (UOP_##name == UOP_LOAD_ATTR) LOAD_ATTR_CACHED(false);           \
    if (UOP_##name == UOP_LOAD_METHOD) LOAD_ATTR_CACHED(true);          \
    if (UOP_##name == UOP_LOAD_LOCAL) PUSH_COUNTED_AFTER(&u.locals[local_index()]); \
    if (UOP_##name == UOP_LOAD_GLOBAL) PUSH_COUNTED_AFTER(&u.vm->globals[OPARG]);   \
    if (UOP_##name == UOP_PUSH_CONST) PUSH_COUNTED_AFTER(&u.vm->consts[OPARG]);     \
    UopStatus st = uop_##name(&u, OPARG_OF(UOP_##name), OPERAND);        \
    if (UNLIKELY(st != UOP_OK)) FAIL();                   \
    trace_count_effects(u.vm->t2->stats, flags);          \
    CONTINUE();                                           \
  }
TESSERA_GENERIC_UOPS(UOP)
TESSERA_ACTION_UOPS(UOP)
TESSERA_PROVEN_UOPS(UOP)
#undef UOP

/* Variants (jit/jit.h: jit_variant_key) fix a comparison's mask: each operator's
   (vm/uops.h: cmp_mask_of; 13 is NE's, unordered floats included), with the key of
   branch_compare_int's variant that stays while it holds (mask | 1 << 4; the literals
   are names' parts). */
#define CMP_MASK_VARIANTS(X) X(1, 17) X(2, 18) X(3, 19) X(4, 20) X(6, 22) X(13, 29)

/* The comparisons' variants; they count no effects. */
#define COMPARE_VARIANT(name, mask)                   \
  STENCIL(name##__##mask) {                           \
    BEGIN();                                          \
    uop_##name(&u, mask, 0);                          \
    CONTINUE();                                       \
  }
#define COMPARE_INT_VARIANT(mask, key_true) COMPARE_VARIANT(COMPARE_INT, mask)
#define COMPARE_FLOAT_VARIANT(mask, key_true) COMPARE_VARIANT(COMPARE_FLOAT, mask)
CMP_MASK_VARIANTS(COMPARE_INT_VARIANT)
CMP_MASK_VARIANTS(COMPARE_FLOAT_VARIANT)
#undef COMPARE_FLOAT_VARIANT
#undef COMPARE_INT_VARIANT
#undef COMPARE_VARIANT

/* A guard: the next stencil, or the uop's exit. Said apart from other uops, the compiler
   need not work out that a guard answers nothing but UOP_OK and UOP_DEOPT. */
#define GUARD(name, stack, needs, result, flags, doc)                                  \
  STENCIL(name) {                                         \
    BEGIN();                                              \
    if (EXIT_LAID_FIRST(uop_##name(&u, OPARG_OF(UOP_##name), OPERAND) != UOP_OK)) TAKE_EXIT(); \
    CONTINUE();                                           \
  }
TESSERA_GUARD_UOPS(GUARD)
#undef GUARD

/* A branch on an object (trace_branch: it may have an operator method, and it is
   released), shared code in the blob: the uop's index with the sense it stays on above
   it (BRANCH_SENSE; read from the executor, the sense cost three dependent loads on
   the path of every branch on an instance), its exit, the code after it. */
#define BRANCH_SENSE(sense) ((uint64_t)((sense) != 0) << 32)
static __attribute__((noinline)) JitResult branch_object(JitFrame *jf, Value *sp, Value *locals, uint64_t index_sense,
                                                         uint64_t exit, uint64_t next) {
  UopState u = {jf->vm, sp, locals};
  uint32_t index = (uint32_t)index_sense;
  int stay = trace_branch(u.vm, &u, (uint32_t)(index_sense >> 32));
  if (UNLIKELY(stay < 0)) /* an operator method: vm/trace_run.c leaves for it */
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT(index, JIT_LEFT_HANDOFF), 0, 0);
  if (!stay) TAKE_EXIT_AT((const TraceExit *)(uintptr_t)exit, index); /* popped, as the exit expects */
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}

/* A value of any other kind is tested here: no operator method, nothing to release;
   and an instance, always true, when the module has no op_bool and the stack's is not
   its last reference (richards branches on instances 9 million times: branch_object
   took 60 instructions each). (trace_branch itself, called here, keeps a call clang
   does not prove dead, and with it a saved register.) */
STENCIL(BRANCH) {
  BEGIN();
  Value v = val_load(&u.sp[-1]);
  if (UNLIKELY(v.kind == VAL_OBJ)) {
    Obj *o = v.as.obj;
    if (o->kind != OBJ_INSTANCE || o->refcount == 1 || u.vm->operator_name[OPM_BOOL] != SHAPE_NONE)
      __attribute__((musttail)) return branch_object(jf, u.sp, u.locals, INDEX | BRANCH_SENSE(OPARG), hole(_JIT_EXIT),
                                                     hole(_JIT_CONTINUE_AT));
    o->refcount--;
    u.sp--;
    if (EXIT_LAID_FIRST(OPARG == 0)) TAKE_EXIT(); /* popped, as the exit expects */
    CONTINUE();
  }
  u.sp--;
  if (EXIT_LAID_FIRST(sem_truthy(v) != (OPARG != 0))) TAKE_EXIT(); /* popped, as the exit expects */
  CONTINUE();
}

#define FOR_ITER_STENCIL(name, step)                                          \
  STENCIL(name) {                                                             \
    BEGIN();                                                                  \
    ErrorKind e;                                                              \
    int r = step(&u, &e);                                                     \
    if (UNLIKELY(r < 0)) FAIL(); /* nothing changed: the uop interpreter raises it */ \
    if (!r) TAKE_EXIT();         /* the iterator popped, as the exit expects */ \
    CONTINUE();                                                               \
  }
FOR_ITER_STENCIL(FOR_ITER, uop_for_iter)
FOR_ITER_STENCIL(FOR_ITER_MAP, uop_for_iter_map)
FOR_ITER_STENCIL(FOR_ITER_STRING, uop_for_iter_string)
#undef FOR_ITER_STENCIL

/* The steps of for_iter_array and for_iter_range that give no next value at once (the
   iterator is done, or at its end: it is released there), shared code in the blob
   reached by a tail call, so that their stencils make no call: the step as the uop
   interpreter makes it (uop_for_iter: the kind was guarded), then the exit, or on to
   `next`. */
static __attribute__((noinline)) JitResult for_iter_step(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                         uint64_t exit, uint64_t next) {
  UopState u = {jf->vm, sp, locals};
  ErrorKind e;
  int r = uop_for_iter(&u, &e);
  if (UNLIKELY(r < 0)) /* nothing changed: the uop interpreter raises it */
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT((uint32_t)index, JIT_LEFT_HANDOFF), 0, 0);
  if (!r) TAKE_EXIT_AT((const TraceExit *)(uintptr_t)exit, (uint32_t)index); /* the iterator popped */
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}
#define FOR_ITER_STEP() \
  __attribute__((musttail)) return for_iter_step(jf, u.sp, u.locals, INDEX, hole(_JIT_EXIT), hole(_JIT_CONTINUE_AT))

/* An element before the array's end, an int below the range's bound (vm/semantics.h:
   iter_array_next, iter_range_next), pushed here; anything else is for_iter_step's. */
#define FOR_ITER_NEXT_STENCIL(name, next)                          \
  STENCIL(name) {                                                  \
    BEGIN();                                                       \
    ObjIter *it = as_iter(u.sp[-1]);                               \
    Value v;                                                       \
    if (UNLIKELY(it->done || !next(it, &v))) FOR_ITER_STEP();      \
    val_store(u.sp++, v);                                          \
    CONTINUE();                                                    \
  }
FOR_ITER_NEXT_STENCIL(FOR_ITER_ARRAY, iter_array_next)
FOR_ITER_NEXT_STENCIL(FOR_ITER_RANGE, iter_range_next)
#undef FOR_ITER_NEXT_STENCIL

#define BRANCH_BOOL_STENCIL(name, expect)                                      \
  STENCIL(name) {                                                              \
    BEGIN();                                                                   \
    if (EXIT_LAID_FIRST(!trace_branch_bool(&u, (expect)))) TAKE_EXIT();        \
    CONTINUE();                                                                \
  }
BRANCH_BOOL_STENCIL(BRANCH_BOOL, OPARG)
BRANCH_BOOL_STENCIL(BRANCH_BOOL__0, 0)  /* variants: stays while false, while true */
BRANCH_BOOL_STENCIL(BRANCH_BOOL__1, 1)
#undef BRANCH_BOOL_STENCIL

/* Its variants fix the mask and the sense: key mask | sense << 4 (jit/jit.h), both
   senses of each mask CMP_MASK_VARIANTS lists. */
#define BRANCH_COMPARE_INT_STENCIL(name, mask, expect)                               \
  STENCIL(name) {                                                                    \
    BEGIN();                                                                         \
    if (EXIT_LAID_FIRST(!trace_branch_compare_int(&u, (mask), (expect)))) TAKE_EXIT(); \
    CONTINUE();                                                                      \
  }
#define BRANCH_COMPARE_INT_VARIANTS(mask, key_true)                    \
  BRANCH_COMPARE_INT_STENCIL(BRANCH_COMPARE_INT__##mask, mask, 0) \
  BRANCH_COMPARE_INT_STENCIL(BRANCH_COMPARE_INT__##key_true, mask, 1)
BRANCH_COMPARE_INT_STENCIL(BRANCH_COMPARE_INT, OPARG, OPERAND)
CMP_MASK_VARIANTS(BRANCH_COMPARE_INT_VARIANTS)
#undef BRANCH_COMPARE_INT_VARIANTS
#undef BRANCH_COMPARE_INT_STENCIL

/* The forms of branch_compare_int that take an operand where it is: their key is their
   oparg's low 5 bits, mask | sense << 4, as branch_compare_int's; a local's index is
   above them. `test` is the form's function in vm/trace.h. */
#define BRANCH_COMPARE_FORM_STENCIL(name, test, low)                                        \
  STENCIL(name) {                                                                           \
    BEGIN();                                                                                \
    if (EXIT_LAID_FIRST(!test(&u, (low) | (OPARG & ~0x1fu), OPERAND))) TAKE_EXIT();         \
    CONTINUE();                                                                             \
  }
#define BRANCH_COMPARE_FORM_VARIANTS(name, test, mask, key_true)       \
  BRANCH_COMPARE_FORM_STENCIL(name##__##mask, test, mask)              \
  BRANCH_COMPARE_FORM_STENCIL(name##__##key_true, test, key_true)
#define CONST_VARIANTS(mask, key_true) \
  BRANCH_COMPARE_FORM_VARIANTS(BRANCH_COMPARE_INT_CONST, trace_branch_compare_int_const, mask, key_true)
#define LOCAL_CONST_VARIANTS(mask, key_true) \
  BRANCH_COMPARE_FORM_VARIANTS(BRANCH_COMPARE_LOCAL_CONST, trace_branch_compare_local_const, mask, key_true)
#define LOCALS_VARIANTS(mask, key_true) \
  BRANCH_COMPARE_FORM_VARIANTS(BRANCH_COMPARE_LOCALS, trace_branch_compare_locals, mask, key_true)
BRANCH_COMPARE_FORM_STENCIL(BRANCH_COMPARE_INT_CONST, trace_branch_compare_int_const, OPARG & 0x1fu)
BRANCH_COMPARE_FORM_STENCIL(BRANCH_COMPARE_LOCAL_CONST, trace_branch_compare_local_const, OPARG & 0x1fu)
BRANCH_COMPARE_FORM_STENCIL(BRANCH_COMPARE_LOCALS, trace_branch_compare_locals, OPARG & 0x1fu)
CMP_MASK_VARIANTS(CONST_VARIANTS)
CMP_MASK_VARIANTS(LOCAL_CONST_VARIANTS)
CMP_MASK_VARIANTS(LOCALS_VARIANTS)
#undef LOCALS_VARIANTS
#undef LOCAL_CONST_VARIANTS
#undef CONST_VARIANTS
#undef BRANCH_COMPARE_FORM_VARIANTS
#undef BRANCH_COMPARE_FORM_STENCIL

/* compare_char_const: out of reach (trace_char_in_reach), the uop interpreter raises
   get's error; the string's count dropped as release_then drops it, laid first (it is
   rare: the text is a local's) so that the next stencil falls through. A variant per
   mask (CMP_MASK_VARIANTS). */
#define COMPARE_CHAR_CONST_STENCIL(name, mask)                                  \
  STENCIL(name) {                                                               \
    BEGIN();                                                                    \
    if (UNLIKELY(!trace_char_in_reach(u.vm, u.sp[-2], u.sp[-1]))) FAIL();       \
    Obj *s = u.sp[-2].as.obj;                                                   \
    bool r = trace_char_compares(u.sp[-2], u.sp[-1], (mask), OPERAND);          \
    u.sp--;                                                                     \
    u.sp[-1] = val_bool(r);                                                     \
    if (EXIT_LAID_FIRST(--s->refcount == 0)) RELEASE_THEN(s, NULL);             \
    CONTINUE();                                                                 \
  }
#define COMPARE_CHAR_CONST_VARIANT(mask, key_true) COMPARE_CHAR_CONST_STENCIL(COMPARE_CHAR_CONST__##mask, mask)
COMPARE_CHAR_CONST_STENCIL(COMPARE_CHAR_CONST, OPARG)
CMP_MASK_VARIANTS(COMPARE_CHAR_CONST_VARIANT)
#undef COMPARE_CHAR_CONST_VARIANT
#undef COMPARE_CHAR_CONST_STENCIL

/* concat_int: trace_concat_int makes the string; without room for the two strings t1
   would make, the uop interpreter makes them apart, and one of them raises heap. */
STENCIL(CONCAT_INT) {
  BEGIN();
  if (EXIT_LAID_FIRST(!is_string(u.sp[-2]))) TAKE_EXIT();
  if (UNLIKELY(!trace_concat_int(u.vm, u.sp - 2))) FAIL();
  u.sp--;
  CONTINUE();
}

/* len_local: a variant per operand (string, array). */
#define LEN_LOCAL_STENCIL(name, what)                                                 \
  STENCIL(name) {                                                                    \
    BEGIN();                                                                         \
    if (EXIT_LAID_FIRST(!trace_len_local_holds(&u, OPARG, (what)))) TAKE_EXIT();     \
    *u.sp++ = val_int(trace_len_local(&u, OPARG, (what)));                           \
    CONTINUE();                                                                      \
  }
LEN_LOCAL_STENCIL(LEN_LOCAL, OPERAND)
LEN_LOCAL_STENCIL(LEN_LOCAL__0, LEN_LOCAL_STRING)
LEN_LOCAL_STENCIL(LEN_LOCAL__1, LEN_LOCAL_ARRAY)
#undef LEN_LOCAL_STENCIL

/* compare_char_local: the same on two locals, pushing the bool; out of reach, the uop
   interpreter pushes them and raises get's error. */
#define COMPARE_CHAR_LOCAL_STENCIL(name, mask)                                             \
  STENCIL(name) {                                                                          \
    BEGIN();                                                                               \
    Value text = u.locals[CHAR_LOCAL_TEXT(OPERAND)], at = u.locals[CHAR_LOCAL_INDEX(OPERAND)]; \
    if (UNLIKELY(!trace_char_in_reach(u.vm, text, at))) FAIL();                            \
    *u.sp++ = val_bool(trace_char_compares(text, at, (mask), OPERAND));                    \
    CONTINUE();                                                                            \
  }
#define COMPARE_CHAR_LOCAL_VARIANT(mask, key_true) COMPARE_CHAR_LOCAL_STENCIL(COMPARE_CHAR_LOCAL__##mask, mask)
COMPARE_CHAR_LOCAL_STENCIL(COMPARE_CHAR_LOCAL, OPARG)
CMP_MASK_VARIANTS(COMPARE_CHAR_LOCAL_VARIANT)
#undef COMPARE_CHAR_LOCAL_VARIANT
#undef COMPARE_CHAR_LOCAL_STENCIL

/* branch_char_local: the same, staying while the comparison gives the branch's sense
   (oparg: mask | sense << 4, the key of its variants, as branch_compare_int's). */
#define BRANCH_CHAR_LOCAL_STENCIL(name, low)                                                   \
  STENCIL(name) {                                                                              \
    BEGIN();                                                                                   \
    Value text = u.locals[CHAR_LOCAL_TEXT(OPERAND)], at = u.locals[CHAR_LOCAL_INDEX(OPERAND)]; \
    if (UNLIKELY(!trace_char_in_reach(u.vm, text, at))) FAIL();                                \
    if (EXIT_LAID_FIRST(trace_char_compares(text, at, (low) & 0xfu, OPERAND) != ((low) >> 4 & 1u))) TAKE_EXIT(); \
    CONTINUE();                                                                                \
  }
#define BRANCH_CHAR_LOCAL_VARIANTS(mask, key_true)                \
  BRANCH_CHAR_LOCAL_STENCIL(BRANCH_CHAR_LOCAL__##mask, mask)      \
  BRANCH_CHAR_LOCAL_STENCIL(BRANCH_CHAR_LOCAL__##key_true, key_true)
BRANCH_CHAR_LOCAL_STENCIL(BRANCH_CHAR_LOCAL, OPARG & 0x1fu)
CMP_MASK_VARIANTS(BRANCH_CHAR_LOCAL_VARIANTS)
#undef BRANCH_CHAR_LOCAL_VARIANTS
#undef BRANCH_CHAR_LOCAL_STENCIL

#undef CMP_MASK_VARIANTS

/* int_op_const's variants fix its operation (key: the Opcode, its oparg's low byte), so
   that each is that operation alone; the literals are names' parts. */
#define INT_OP_CONST_STENCIL(name, opcode)                                                     \
  STENCIL(name) {                                                                              \
    BEGIN();                                                                                   \
    u.sp[-1].as.i = trace_int_op_const((opcode) | (OPARG & ~0xffu), OPERAND, u.sp[-1].as.i); \
    CONTINUE();                                                                                \
  }
#define INT_OP_CONST_VARIANT(op, key)                                 \
  STATIC_ASSERT(OP_##op == (key), "int_op_const's variant keys");      \
  INT_OP_CONST_STENCIL(INT_OP_CONST__##key, OP_##op)
INT_OP_CONST_STENCIL(INT_OP_CONST, OPARG & 0xffu)
INT_OP_CONST_VARIANT(ADD, 14)
INT_OP_CONST_VARIANT(SUB, 15)
INT_OP_CONST_VARIANT(MUL, 16)
INT_OP_CONST_VARIANT(IDIV, 18)
INT_OP_CONST_VARIANT(MOD, 19)
INT_OP_CONST_VARIANT(BAND, 21)
INT_OP_CONST_VARIANT(BOR, 22)
INT_OP_CONST_VARIANT(BXOR, 23)
INT_OP_CONST_VARIANT(SHL, 24)
INT_OP_CONST_VARIANT(SHR, 25)
#undef INT_OP_CONST_VARIANT
#undef INT_OP_CONST_STENCIL

/* local_int_op_const's variants: the same keys (never an idiv or mod), the local above. */
#define LOCAL_INT_OP_CONST_STENCIL(name, opcode)                                 \
  STENCIL(name) {                                                                \
    BEGIN();                                                                     \
    trace_local_int_op_const(&u, (opcode) | (OPARG & ~0xffu), OPERAND);          \
    CONTINUE();                                                                  \
  }
#define LOCAL_INT_OP_CONST_VARIANT(op, key) LOCAL_INT_OP_CONST_STENCIL(LOCAL_INT_OP_CONST__##key, OP_##op)
LOCAL_INT_OP_CONST_STENCIL(LOCAL_INT_OP_CONST, OPARG & 0xffu)
LOCAL_INT_OP_CONST_VARIANT(ADD, 14)
LOCAL_INT_OP_CONST_VARIANT(SUB, 15)
LOCAL_INT_OP_CONST_VARIANT(MUL, 16)
LOCAL_INT_OP_CONST_VARIANT(BAND, 21)
LOCAL_INT_OP_CONST_VARIANT(BOR, 22)
LOCAL_INT_OP_CONST_VARIANT(BXOR, 23)
LOCAL_INT_OP_CONST_VARIANT(SHL, 24)
LOCAL_INT_OP_CONST_VARIANT(SHR, 25)
#undef LOCAL_INT_OP_CONST_VARIANT
#undef LOCAL_INT_OP_CONST_STENCIL

/* int_op_local's and float_op_local's variants: the same keys, the local above. */
#define OP_LOCAL_STENCIL(name, kind, opcode)                  \
  STENCIL(name) {                                             \
    BEGIN();                                                  \
    trace_##kind##_op_local(&u, (opcode) | (OPARG & ~0xffu)); \
    CONTINUE();                                               \
  }
#define INT_OP_LOCAL_VARIANT(op, key) OP_LOCAL_STENCIL(INT_OP_LOCAL__##key, int, OP_##op)
#define FLOAT_OP_LOCAL_VARIANT(op, key)                           \
  STATIC_ASSERT(OP_##op == (key), "float_op_local's variant keys"); \
  OP_LOCAL_STENCIL(FLOAT_OP_LOCAL__##key, float, OP_##op)
OP_LOCAL_STENCIL(INT_OP_LOCAL, int, OPARG & 0xffu)
INT_OP_LOCAL_VARIANT(ADD, 14)
INT_OP_LOCAL_VARIANT(SUB, 15)
INT_OP_LOCAL_VARIANT(MUL, 16)
INT_OP_LOCAL_VARIANT(BAND, 21)
INT_OP_LOCAL_VARIANT(BOR, 22)
INT_OP_LOCAL_VARIANT(BXOR, 23)
OP_LOCAL_STENCIL(FLOAT_OP_LOCAL, float, OPARG & 0xffu)
FLOAT_OP_LOCAL_VARIANT(ADD, 14)
FLOAT_OP_LOCAL_VARIANT(SUB, 15)
FLOAT_OP_LOCAL_VARIANT(MUL, 16)
FLOAT_OP_LOCAL_VARIANT(DIV, 17)
#undef FLOAT_OP_LOCAL_VARIANT
#undef INT_OP_LOCAL_VARIANT
#undef OP_LOCAL_STENCIL

/* The oparg of a call with a known callee (push_frame, call_trace) is the argument count
   in its low 8 bits, the offset the caller resumes at above them (CALL takes at most 255
   arguments) and the callee in the high 32 bits; its operand is the callee's EntrySlot,
   which holds the shape of its frame (jit/jit_emit.c). */
#define KNOWN_CALLEE ((uint32_t)(hole(_JIT_OPARG) >> 32))
#define KNOWN_SLOT ((const EntrySlot *)(uintptr_t)OPERAND)
#define CALL_ARGC ((uint32_t)hole(_JIT_OPARG) & 0xff)
#define CALL_AT (((uint32_t)hole(_JIT_OPARG) >> 8) - OP_SIZE_CALL)

/* frame_enter for the callee of `slot` from the call at `at`, when the frame array and
   the stack have room and its checks pass; else false with nothing done. The callee
   takes its nparams arguments (the arity was checked). (Its room is checked from the
   stack index here, not as push_frame_deferred does, by address: that was fewer
   instructions, but call_trace ran fib 4.5% slower, on the mean of ten placements of
   the stack.) */
static inline __attribute__((always_inline)) bool enter_slot(UopState *u, const EntrySlot *slot, uint32_t callee,
                                                             uint32_t at) {
  size_t new_base = (size_t)(u->sp - u->vm->stack) - slot->nparams;
  if (UNLIKELY(!frame_room_checked(u->vm, new_base, slot->frame_bytes / sizeof(Value)))) return false;
  frame_push(u->vm, u, callee, slot->nparams, slot->nlocals, new_base, at, at + OP_SIZE_CALL);
  return true;
}

/* A failed check's error, and growing the frame array or the stack, are the uop
   interpreter's. */
STENCIL(PUSH_FRAME) {
  BEGIN();
  if (UNLIKELY(!enter_slot(&u, KNOWN_SLOT, KNOWN_CALLEE, CALL_AT))) FAIL();
  CONTINUE();
}

/* push_frame_deferred: push_frame without the Frame record, which vm/trace_run.c
   writes if the code leaves before the pop (frames.h: frame_push_deferred); the
   caller's locals kept for the pop (JitFrame.deferred_caller). */
STENCIL(PUSH_FRAME_DEFERRED) {
  BEGIN();
  const EntrySlot *slot = KNOWN_SLOT;
  Value *caller = u.locals;
  if (UNLIKELY(!frame_push_deferred(u.vm, &u, slot->arg_bytes, slot->nlocals, slot->frame_bytes))) FAIL();
  jf->deferred_caller = caller;
  CONTINUE();
}

/* push_init_frame: frame_call_init, its checks made before the instance, so that one
   failing changes nothing and the uop interpreter makes the call and raises the error
   (the stack's room from the new frame's locals, one slot above the class, as
   enter_slot checks it). The callee is init's EntrySlot, which takes the argc arguments
   and the instance.
   Variants by the argument count (0 to 2; the op's own stencil takes any), so that the
   arguments move up a slot in a few fixed stores, not a loop (finalize's Node(i):
   7.53e9 -> 7.39e9 instructions). */
#define PUSH_INIT_FRAME_STENCIL(name, nargs)                                                                     \
  STENCIL(name) {                                                                                                \
    BEGIN();                                                                                                     \
    const EntrySlot *slot = KNOWN_SLOT;                                                                          \
    uint32_t argc = (nargs), at = CALL_AT;                                                                       \
    size_t new_base = (size_t)(u.sp - u.vm->stack) - argc;                                                       \
    if (UNLIKELY(!frame_room_checked(u.vm, new_base, slot->frame_bytes / sizeof(Value)))) FAIL();               \
    ObjInstance *o = heap_new_instance(&u.vm->heap, as_class(u.sp[-1 - (int)argc]));                           \
    if (UNLIKELY(!o)) FAIL();                                                                                    \
    frame_insert_instance(u.vm, &u, argc, val_obj(&o->obj));                                                     \
    frame_push(u.vm, &u, KNOWN_CALLEE, argc + 1, slot->nlocals, new_base, at, at + OP_SIZE_CALL);               \
    frame_top(u.vm)->ret = FRAME_RET_INSTANCE;                                                                   \
    u.vm->t2->stats->init_frames++;                                                                              \
    CONTINUE();                                                                                                  \
  }
PUSH_INIT_FRAME_STENCIL(PUSH_INIT_FRAME, CALL_ARGC)
PUSH_INIT_FRAME_STENCIL(PUSH_INIT_FRAME__0, 0)
PUSH_INIT_FRAME_STENCIL(PUSH_INIT_FRAME__1, 1)
PUSH_INIT_FRAME_STENCIL(PUSH_INIT_FRAME__2, 2)
#undef PUSH_INIT_FRAME_STENCIL

STENCIL(POP_FRAME) {
  BEGIN();
  frame_return(u.vm, &u);
  CONTINUE();
}

STENCIL(POP_INIT_FRAME_KNOWN) {
  BEGIN();
  frame_return_init_known(u.vm, &u, OPERAND);
  CONTINUE();
}

/* The pops and returns of the variants that release slots apart (refs 1, 2 and 3),
   when a release may free an object (vm/frames.h: frame_release_frees), are shared
   code in the blob, so that their stencils
   make no call (which made them save a register and move the stack's pointer around
   it): pop_frame_known's and pop_frame_deferred's here (`deferred`), then on to
   `next`; return_known's is return_any. */
static __attribute__((noinline)) JitResult pop_frame_freeing(JitFrame *jf, Value *sp, Value *locals, uint64_t refs,
                                                             uint64_t deferred, uint64_t next) {
  UopState u = {jf->vm, sp, locals};
  if (deferred) {
    frame_return_slots(u.vm, &u, refs);
    u.locals = jf->deferred_caller;
  } else {
    frame_return_known(u.vm, &u, refs);
  }
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}
#define POP_FRAME_FREEING(refs, deferred) \
  __attribute__((musttail)) return pop_frame_freeing(jf, u.sp, u.locals, (refs), (deferred), hole(_JIT_CONTINUE_AT))

/* Variants: nothing to release; only the callee slot (an entry trace's frame, of whose
   callee slot the optimizer knows nothing); a method's self, with the callee slot or
   without it (refs 3 and 2: the optimizer knows a function in the callee slot). With
   `apart` (those three), a release that may free goes to pop_frame_freeing. */
#define POP_FRAME_KNOWN_STENCIL(name, refs, apart)                                           \
  STENCIL(name) {                                                                            \
    BEGIN();                                                                                 \
    if ((apart) && UNLIKELY(frame_release_frees(&u, (refs)))) POP_FRAME_FREEING((refs), 0);  \
    frame_return_known_as(u.vm, &u, (refs), (apart));                                        \
    CONTINUE();                                                                              \
  }
POP_FRAME_KNOWN_STENCIL(POP_FRAME_KNOWN, OPERAND, false)
POP_FRAME_KNOWN_STENCIL(POP_FRAME_KNOWN__0, 0, false)
POP_FRAME_KNOWN_STENCIL(POP_FRAME_KNOWN__1, 1, true)
POP_FRAME_KNOWN_STENCIL(POP_FRAME_KNOWN__2, 2, true)
POP_FRAME_KNOWN_STENCIL(POP_FRAME_KNOWN__3, 3, true)
#undef POP_FRAME_KNOWN_STENCIL

/* pop_frame_deferred: pop_frame_known with no record to remove, back in the caller's
   locals push_frame_deferred kept; variants as pop_frame_known's. */
#define POP_FRAME_DEFERRED_STENCIL(name, refs, apart)                                        \
  STENCIL(name) {                                                                            \
    BEGIN();                                                                                 \
    if ((apart) && UNLIKELY(frame_release_frees(&u, (refs)))) POP_FRAME_FREEING((refs), 1);  \
    frame_return_slots_as(u.vm, &u, (refs), (apart));                                        \
    u.locals = jf->deferred_caller;                                                          \
    CONTINUE();                                                                              \
  }
POP_FRAME_DEFERRED_STENCIL(POP_FRAME_DEFERRED, OPERAND, false)
POP_FRAME_DEFERRED_STENCIL(POP_FRAME_DEFERRED__0, 0, false)
POP_FRAME_DEFERRED_STENCIL(POP_FRAME_DEFERRED__1, 1, true)
POP_FRAME_DEFERRED_STENCIL(POP_FRAME_DEFERRED__2, 2, true)
POP_FRAME_DEFERRED_STENCIL(POP_FRAME_DEFERRED__3, 3, true)
#undef POP_FRAME_DEFERRED_STENCIL

/* A run of executor ex's compiled code nested without a C call, in the frame just
   pushed above `frames` frames by the call uop at `index`: its JitFrame, the next of
   T2State.nested, holds the way back, the caller's JitFrame and its code after the call
   (`resume`), where the callee's return jumps (RETURN_BACK). It nests a run as
   trace_nested_compiled does, counted once (T2State.nested_jumps). Its vm is set once,
   by t2_init, for every nested JitFrame. */
static inline __attribute__((always_inline)) JitFrame *nest_run(JitFrame *jf, VM *vm, Executor *ex, uint32_t frames,
                                                                uint32_t index, uint64_t resume) {
  T2State *s = vm->t2;
  JitFrame *in = &s->nested[s->nesting];
  /* Field by field, each value stored as it comes (sp and locals are written when the
     run leaves), and the empty asm keeps clang from loading what follows before these
     stores: built as one literal, every field was loaded into a register first, and
     call_trace saved five registers; now three. */
  in->resume = (JitEntry)(uintptr_t)resume;
  in->call_index = index;
  in->caller = jf;
  in->executor = ex;
  in->frames = frames;
  __asm__ volatile("" ::: "memory");
  in->outer_frames = trace_nest_push(s, frames);
  s->nested_jumps++;  /* its entry, nesting and return, counted once (T2State) */
  return in;
}

/* trace_call's common case (vm/trace.h), made here: when the callee's entry executor has
   compiled code (EntrySlot.code) and fewer than the bound run nested
   (trace_nests_compiled), its frame is pushed and its run nested (nest_run), to be
   jumped into. Answers the run's JitFrame, or NULL with nothing done: then call_slow
   makes the call, the frame array or the stack grown first when they must. (The call
   passes the callee its nparams arguments: the arity was checked.) */
static inline __attribute__((always_inline)) JitFrame *nest_compiled(JitFrame *jf, UopState *u, const EntrySlot *slot,
                                                                     uint32_t callee, uint32_t at) {
  if (UNLIKELY(!slot->code || u->vm->t2->nesting >= u->vm->t2->max_nested)) return NULL;
  uint32_t frames = u->vm->nframes;
  if (UNLIKELY(!enter_slot(u, slot, callee, at))) return NULL;
  return nest_run(jf, u->vm, slot->ex, frames, INDEX, hole(_JIT_CONTINUE_AT));
}
/* Into the code of the run nest_compiled (or call_slow) nested: its executor's. */
#define CALL_NESTED(in, code) \
  __attribute__((musttail)) return ((JitEntry)(code))((in), u.sp, u.locals, JIT_TOPS(u.sp))

/* The calls nest_compiled does not make, shared code in the blob reached by a tail call,
   so that the stencils make no C call of their own (no registers to save): trace_call,
   or trace_call_any for a call_any (a class's init among them), then on to `next` (the
   code after the uop at index), or into the callee's compiled code as nest_compiled
   goes, or out. The stack is written through, so the cache's registers carry the uop's
   index and its next code instead. */
static __attribute__((noinline)) JitResult call_slow(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                     uint64_t next, uint64_t unused) {
  const TraceInst *ti = &jf->executor->code[index];
  UopState u = {jf->vm, sp, locals};
  uint32_t frames = u.vm->nframes;
  Executor *nest = NULL;
  TraceCall r = ti->op == TOP_CALL_TRACE ? trace_call(u.vm, &u, (uint32_t)ti->operand, ti->oparg, ti->pc, &nest)
                                         : trace_call_any(u.vm, &u, ti->oparg, ti->pc, &nest);
  if (LIKELY(r == TRACE_CALL_NEST)) {
    JitFrame *in = nest_run(jf, u.vm, nest, frames, (uint32_t)index, next);
    CALL_NESTED(in, nest->jit->mem);
  }
  if (UNLIKELY(r == TRACE_CALL_FAILED))
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT(index, JIT_LEFT_HANDOFF), 0, 0);
  if (UNLIKELY(r == TRACE_CALL_LEFT))
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT(index, JIT_LEFT_NESTED), 0, 0);
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}
#define CALL_SLOW() \
  __attribute__((musttail)) return call_slow(jf, u.sp, u.locals, INDEX, hole(_JIT_CONTINUE_AT), 0)

/* Invalidated code is freed only when no run is nested (vm/trace_run.c), so the way
   back stays. */
STENCIL(CALL_TRACE) {
  BEGIN();
  const EntrySlot *slot = KNOWN_SLOT;
  JitFrame *in = nest_compiled(jf, &u, slot, KNOWN_CALLEE, CALL_AT);
  if (LIKELY(in)) CALL_NESTED(in, slot->code);
  CALL_SLOW();
}

/* A generic call, as call_trace when it runs a callee's executor (vm/trace.h:
   trace_call_any); a function or closure of the right arity is called here as call_trace
   calls, anything else goes through trace_call_any. */
STENCIL(CALL_ANY) {
  BEGIN();
  uint32_t argc = CALL_ARGC;
  uint32_t fn = trace_call_any_function(u.vm, u.sp[-1 - (int)argc], argc);
  const EntrySlot *slot = fn != UINT32_MAX ? &u.vm->t2->at_entry[fn] : NULL;
  JitFrame *in = slot ? nest_compiled(jf, &u, slot, fn, CALL_AT) : NULL;
  if (LIKELY(in)) {
    u.vm->t2->stats->call_any++;  /* as trace_call_any counts it */
    CALL_NESTED(in, slot->code);
  }
  CALL_SLOW();
}

/* After the return of uop `index`: back into the code after the call_trace that nested
   this run, when the VM is back in that call's frame (nest_compiled), as
   trace_nested_compiled ends; else out to whoever ran the code. */
#define RETURN_BACK(index)                                                                  \
  do {                                                                                      \
    if (LIKELY(jf->caller != NULL) && u.vm->nframes == jf->frames) {                        \
      trace_nest_end(u.vm->t2, jf->outer_frames);                                           \
      __attribute__((musttail)) return jf->resume(jf->caller, u.sp, u.locals, JIT_TOPS(u.sp)); \
    }                                                                                       \
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT((index), JIT_LEFT_RETURN), 0, 0); \
  } while (0)

/* The return of uop `index` by frame_return, shared code in the blob: return's, and
   return_known's from a frame that does not return a plain value, which is rare, so
   that its stencil holds only the common case (and saves no registers). */
static __attribute__((noinline)) JitResult return_any(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                      uint64_t unused1, uint64_t unused2) {
  UopState u = {jf->vm, sp, locals};
  frame_return(u.vm, &u);
  RETURN_BACK(index);
}

STENCIL(RETURN) {
  BEGIN();
  __attribute__((musttail)) return return_any(jf, u.sp, u.locals, INDEX, 0, 0);
}

/* frame_return_maybe_known (vm/frames.h), its rare case in return_any; variants as
   pop_frame_known's (with `apart`, a release that frees goes to return_any too). */
#define RETURN_KNOWN_STENCIL(name, refs, apart)                                              \
  STENCIL(name) {                                                                            \
    BEGIN();                                                                                 \
    if (UNLIKELY(frame_top(u.vm)->ret != FRAME_RET_VALUE) ||                                 \
        ((apart) && UNLIKELY(frame_release_frees(&u, (refs)))))                              \
      __attribute__((musttail)) return return_any(jf, u.sp, u.locals, INDEX, 0, 0);          \
    frame_return_known_as(u.vm, &u, (refs), (apart));                                        \
    RETURN_BACK(INDEX);                                                                      \
  }
RETURN_KNOWN_STENCIL(RETURN_KNOWN, OPERAND, false)
RETURN_KNOWN_STENCIL(RETURN_KNOWN__0, 0, false)
RETURN_KNOWN_STENCIL(RETURN_KNOWN__1, 1, true)
RETURN_KNOWN_STENCIL(RETURN_KNOWN__2, 2, true)
RETURN_KNOWN_STENCIL(RETURN_KNOWN__3, 3, true)
#undef RETURN_KNOWN_STENCIL

/* Variants by the oparg: the fuel it charges (vm/trace.h: trace_loop_units), one unit or
   none, and whether the check that the executor is still valid is needed (LOOP_STABLE:
   none of its uops may invalidate it). */
#define LOOP_STENCIL(name, oparg)                                                         \
  STENCIL(name) {                                                                         \
    BEGIN();                                                                              \
    if (!((oparg) & LOOP_STABLE) && UNLIKELY(!jf->executor->valid))                       \
      LEAVE(JIT_LEFT_HANDOFF); /* invalidated while it ran */                             \
    CHARGE_FUEL((oparg) & LOOP_UNITS);                                                    \
    __attribute__((musttail)) return _JIT_JUMP_TARGET(jf, sp, locals, top0, top1, top2);  \
  }
LOOP_STENCIL(LOOP, OPARG)
LOOP_STENCIL(LOOP__0, 0)
LOOP_STENCIL(LOOP__1, 1)
LOOP_STENCIL(LOOP__2, LOOP_STABLE)
LOOP_STENCIL(LOOP__3, LOOP_STABLE | 1)
#undef LOOP_STENCIL

/* The operand is the value's payload as a Value holds it (jit/jit_emit.c: operand_of),
   so the push is two stores, whatever the kind. */
STENCIL(PUSH_VALUE) {
  BEGIN();
  val_store(u.sp++, (Value){OPARG, 0, {.i = (int64_t)OPERAND}});
  CONTINUE();
}

STENCIL(PUSH_VALUE_UNDER) {
  BEGIN();
  uop_put_under(&u, (Value){OPARG, 0, {.i = (int64_t)OPERAND}});
  CONTINUE();
}

/* A LOOP of another loop: its fuel, then that loop's compiled executor; without one,
   vm/trace_run.c looks it up or counts towards projecting it. The oparg is the LOOP's
   function, the operand its offset. */
STENCIL(LINK) {
  BEGIN();
  CHARGE_FUEL(1);
  Executor **at = u.vm->t2->at_loop[OPARG];
  Executor *next = at ? at[OPERAND] : NULL;
  if (next && next->jit) ENTER(u.vm, next, u.sp, u.locals);
  LEAVE(JIT_LEFT_LINK);
}

STENCIL(EXIT) {
  BEGIN();
  TAKE_EXIT();
}

/* A finalizer is due: the calls are made here (vm/trace.h: trace_finalize), before the
   instruction, which is where the check's exit resumes; then that exit is taken
   (`next` 0: CHECK_FINALIZERS_EXIT), or on to `next`. Shared code in the blob reached by
   a tail call, so that the check, which a trace that releases objects makes after each
   release, is three loads and two branches when none is due (its C call saved three
   registers and built a stack frame on every run). */
static __attribute__((noinline)) JitResult finalize_due(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                        uint64_t exit, uint64_t next) {
  UopState u = {jf->vm, sp, locals};
  const TraceExit *e = (const TraceExit *)(uintptr_t)exit;
  if (trace_finalize(u.vm, &u, e->pc) != TRACE_CALL_RETURNED)
    __attribute__((musttail)) return jit_leave(jf, u.sp, u.locals, JIT_RESULT((uint32_t)index, JIT_LEFT_NESTED), 0, 0);
  if (!next) TAKE_EXIT_AT(e, (uint32_t)index);
  u.vm->t2->stats->finalizer_on++;
  __attribute__((musttail)) return ((JitEntry)(uintptr_t)next)(jf, u.sp, u.locals, JIT_TOPS(u.sp));
}

STENCIL(CHECK_FINALIZERS) {
  BEGIN();
  if (EXIT_LAID_FIRST(finalizer_due(u.vm))) {
    if (OPARG & CHECK_FINALIZERS_DEFERRED) LEAVE(JIT_LEFT_HANDOFF);  /* the record first */
    uint64_t next = OPARG & CHECK_FINALIZERS_EXIT ? 0 : hole(_JIT_CONTINUE_AT);
    __attribute__((musttail)) return finalize_due(jf, u.sp, u.locals, INDEX, hole(_JIT_EXIT), next);
  }
  CONTINUE();
}

/* Variant __1 when a fact proved the local's instance and shape (LOCAL_ATTR_PROVEN):
   no check. The op's own stencil, which checks, serves key 0. */
#define LOCAL_ATTR_STENCIL(name, body, proven)                                               \
  STENCIL(name) {                                                                            \
    BEGIN();                                                                                 \
    if (EXIT_LAID_FIRST(!body(&u, OPARG, OPERAND, (proven)))) TAKE_EXIT();                   \
    CONTINUE();                                                                              \
  }
LOCAL_ATTR_STENCIL(LOAD_LOCAL_ATTR, trace_load_local_attr, false)
LOCAL_ATTR_STENCIL(LOAD_LOCAL_ATTR__1, trace_load_local_attr, true)
#undef LOCAL_ATTR_STENCIL
/* The stores, their release apart (a call made them save three registers). */
#define STORE_LOCAL_ATTR_STENCIL(name, proven)                                               \
  STENCIL(name) {                                                                            \
    BEGIN();                                                                                 \
    ObjInstance *o = trace_local_instance(&u, OPARG, OPERAND, (proven));                     \
    if (EXIT_LAID_FIRST(!o)) TAKE_EXIT();                                                    \
    Value old = uop_pop_into(&u, &o->slots[OPARG >> 16]);                                    \
    DROP_APART_THEN(old, NULL);                                                              \
    CONTINUE();                                                                              \
  }
STORE_LOCAL_ATTR_STENCIL(STORE_LOCAL_ATTR, false)
STORE_LOCAL_ATTR_STENCIL(STORE_LOCAL_ATTR__1, true)
#undef STORE_LOCAL_ATTR_STENCIL

STENCIL(LOAD_LOCAL_ELEM) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem(&u, u.locals[OPARG & 0xffff], u.locals[OPARG >> 16]))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(LOAD_LOCAL_ELEM_AT) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem(&u, u.locals[OPARG], val_int((int64_t)OPERAND)))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(LOAD_CAPTURE_ELEM) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem(&u, trace_capture_array(&u), u.locals[OPARG]))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(LOAD_CAPTURE_ELEM_AT) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem(&u, trace_capture_array(&u), val_int((int64_t)OPERAND)))) TAKE_EXIT();
  CONTINUE();
}

/* The typed reads (rule elem-kinds): the kind is the operand. */
STENCIL(GET_ARRAY_KIND) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_get_array_kind(&u, OPERAND))) TAKE_EXIT();
  CONTINUE();
}

/* load_local_elem_kind's and load_local_elem_at_kind's variants fix their operand (key):
   the element's kind (VAL_BOOL, VAL_INT, VAL_FLOAT), with ELEM_ARRAY_PROVED when a fact
   proved the array and the index, whose checks are then gone. */
STATIC_ASSERT(VAL_BOOL == 1 && VAL_INT == 2 && VAL_FLOAT == 3 && ELEM_ARRAY_PROVED == 16, "typed element reads' variant keys");
#define LOCAL_ELEM_KIND_STENCIL(name, index, operand)                                                       \
  STENCIL(name) {                                                                                          \
    BEGIN();                                                                                               \
    if (EXIT_LAID_FIRST(!trace_load_elem_kind(&u, u.locals[OPARG & 0xffff], (index), (operand)))) TAKE_EXIT(); \
    CONTINUE();                                                                                            \
  }
#define LOCAL_ELEM_KIND_VARIANTS(key)                                                 \
  LOCAL_ELEM_KIND_STENCIL(LOAD_LOCAL_ELEM_KIND__##key, u.locals[OPARG >> 16], key##u) \
  LOCAL_ELEM_KIND_STENCIL(LOAD_LOCAL_ELEM_AT_KIND__##key, val_int(OPARG >> 16), key##u)
LOCAL_ELEM_KIND_STENCIL(LOAD_LOCAL_ELEM_KIND, u.locals[OPARG >> 16], OPERAND)
LOCAL_ELEM_KIND_STENCIL(LOAD_LOCAL_ELEM_AT_KIND, val_int(OPARG >> 16), OPERAND)
LOCAL_ELEM_KIND_VARIANTS(1)
LOCAL_ELEM_KIND_VARIANTS(2)
LOCAL_ELEM_KIND_VARIANTS(3)
LOCAL_ELEM_KIND_VARIANTS(17)
LOCAL_ELEM_KIND_VARIANTS(18)
LOCAL_ELEM_KIND_VARIANTS(19)
#undef LOCAL_ELEM_KIND_VARIANTS
#undef LOCAL_ELEM_KIND_STENCIL

STENCIL(LOAD_CAPTURE_ELEM_KIND) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem_kind(&u, trace_capture_array(&u), u.locals[OPARG], OPERAND))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(LOAD_CAPTURE_ELEM_AT_KIND) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_elem_kind(&u, trace_capture_array(&u), val_int(OPARG), OPERAND))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(LOAD_CAPTURE_CELL) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_capture_cell(&u))) TAKE_EXIT();
  CONTINUE();
}

/* A fused write's exit when the value it pops is an object, shared code in the blob:
   the value released (vm/trace.h: trace_drop_top), then the exit of the uop at index. */
static __attribute__((noinline)) JitResult drop_then_exit(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                          uint64_t exit, uint64_t unused) {
  UopState u = {jf->vm, sp, locals};
  trace_drop_top(&u);
  TAKE_EXIT_AT((const TraceExit *)(uintptr_t)exit, index);
}

/* The fused writes as trace_store_elem, trace_store_capture_cell and
   trace_store_capture_elem_cell make them (vm/trace.h), every release by shared code
   (release_then, drop_then_exit), so that the stencils make no call: a call made them
   save registers. `found`: whether the write has its place, `store`: the store, which
   answers the value replaced; the test-only fault `keep_old` is read only when that
   value holds a reference (the only one it keeps). */
#define STORE_RELEASING_APART(found, store, keep_old)                                                   \
  do {                                                                                                  \
    if (EXIT_LAID_FIRST(!(found))) {                                                                    \
      if (u.sp[-1].kind == VAL_OBJ)                                                                     \
        __attribute__((musttail)) return drop_then_exit(jf, u.sp, u.locals, INDEX, hole(_JIT_EXIT), 0); \
      u.sp--;                                                                                           \
      TAKE_EXIT();                                                                                      \
    }                                                                                                   \
    Value old_ = (store);                                                                               \
    if (old_.kind == VAL_OBJ && LIKELY(!(keep_old))) DROP_APART_THEN(old_, NULL);                       \
    CONTINUE();                                                                                         \
  } while (0)

/* Variant __16 when a fact proved the array and the index (ELEM_ARRAY_PROVED): only the
   bounds are checked. */
#define STORE_LOCAL_ELEM_STENCIL(name, proved)                                                               \
  STENCIL(name) {                                                                                            \
    BEGIN();                                                                                                 \
    FORGET_CACHE();                                                                                          \
    Value a = u.locals[OPARG & 0xffff], i = u.locals[OPARG >> 16], *item = NULL;                             \
    bool found = (proved) ? trace_array_in_bounds(a, i, &item) : trace_array_item(a, i, false, &item);        \
    STORE_RELEASING_APART(found, uop_pop_into(&u, item), trace_store_elem_keeps_old(&u));                \
  }
STORE_LOCAL_ELEM_STENCIL(STORE_LOCAL_ELEM, false)
STORE_LOCAL_ELEM_STENCIL(STORE_LOCAL_ELEM__16, true)
#undef STORE_LOCAL_ELEM_STENCIL

STENCIL(STORE_LOCAL_ELEM_AT) {
  BEGIN();
  Value *item = NULL;
  bool found = trace_array_item(u.locals[OPARG], val_int((int64_t)OPERAND), false, &item);
  STORE_RELEASING_APART(found, uop_pop_into(&u, item), trace_store_elem_keeps_old(&u));
}

STENCIL(STORE_CAPTURE_CELL) {
  BEGIN();
  ObjCell *c = NULL;
  bool found = trace_capture_cell(&u, &c);
  STORE_RELEASING_APART(found, trace_store_cell(&u, c), trace_store_cell_keeps_old(&u));
}

/* The cells in a captured array (rule capture-elem-cell): the element is the operand. */
STENCIL(LOAD_CAPTURE_ELEM_CELL) {
  BEGIN();
  if (EXIT_LAID_FIRST(!trace_load_capture_elem_cell(&u, OPERAND))) TAKE_EXIT();
  CONTINUE();
}

STENCIL(STORE_CAPTURE_ELEM_CELL) {
  BEGIN();
  ObjCell *c = NULL;
  bool found = trace_capture_elem_cell(&u, OPERAND, &c);
  STORE_RELEASING_APART(found, trace_store_cell(&u, c), false);
}
#undef STORE_RELEASING_APART

/* guard_local_kind's variants fix the kind (key: the operand), so that a scalar's is
   one compare: a side trace that links back to its loop runs the guards again. */
STATIC_ASSERT(GUARD_KIND_ARRAY == 16, "guard_local_kind's variant keys");
#define GUARD_LOCAL_KIND_STENCIL(name, kind)                                               \
  STENCIL(name) {                                                                          \
    BEGIN();                                                                               \
    if (EXIT_LAID_FIRST(!trace_local_has_kind(u.locals[OPARG], (kind)))) TAKE_EXIT();      \
    CONTINUE();                                                                            \
  }
GUARD_LOCAL_KIND_STENCIL(GUARD_LOCAL_KIND, OPERAND)
GUARD_LOCAL_KIND_STENCIL(GUARD_LOCAL_KIND__1, 1u)
GUARD_LOCAL_KIND_STENCIL(GUARD_LOCAL_KIND__2, 2u)
GUARD_LOCAL_KIND_STENCIL(GUARD_LOCAL_KIND__3, 3u)
GUARD_LOCAL_KIND_STENCIL(GUARD_LOCAL_KIND__16, 16u)
#undef GUARD_LOCAL_KIND_STENCIL

/* The side entry's rare case, shared code reached by a tail call, so that the entry
   saves no registers: the exit was taken inside a deferred frame, whose record the side
   trace's frames hold (docs/tier2.md, "Deferred frames"): it is written, then into the
   side trace's first uop as the entry goes. */
static __attribute__((noinline)) JitResult side_entry_deferred(JitFrame *jf, Value *sp, Value *locals, uint64_t index,
                                                               uint64_t exit, uint64_t unused) {
  const TraceExit *e = (const TraceExit *)(uintptr_t)exit;
  trace_write_deferred(jf->vm, jf->executor, (uint32_t)index, locals);  /* the parent's uop */
  jf->vm->t2->stats->linked++;
  jf->executor = e->side;
  const JitCode *c = e->side->jit;
  __attribute__((musttail)) return ((JitEntry)(void *)(c->mem + c->offsets[0]))(jf, sp, locals, JIT_TOPS(sp));
}

/* Never a uop: laid after a side trace's last uop, where its parent's exit goes in once
   the side trace is compiled (TraceExit.code), with the parent's uop index and the exit
   where the register cache would be. What taking an exit into a side trace counts, the
   executor that runs now, then the trace's first uop (the jump target the emitter gives
   it). (TraceExit.taken only counts towards building the side trace, which is built.) */
STENCIL(SIDE_ENTRY) {
  TraceExit *e = (TraceExit *)(uintptr_t)top1;
  if (UNLIKELY(finalizer_due(jf->vm)))  /* the exit is taken in vm/trace_run.c, which calls it */
    __attribute__((musttail)) return jit_leave(jf, sp, locals, JIT_RESULT(top0, JIT_LEFT_EXIT), 0, 0);
  if (UNLIKELY(e->in_deferred_frame))
    __attribute__((musttail)) return side_entry_deferred(jf, sp, locals, top0, top1, 0);
  jf->vm->t2->stats->linked++;
  jf->executor = e->side;
  __attribute__((musttail)) return _JIT_JUMP_TARGET(jf, sp, locals, JIT_TOPS(sp));
}

/* Invalidation is the trace machinery's business. */
STENCIL(CHECK_GLOBALS) {
  BEGIN();
  LEAVE(JIT_LEFT_HANDOFF);
}
