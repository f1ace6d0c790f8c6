/* specialize.c: the specialized-instruction table and the choice of a form. */
#include "specialize.h"

static char spec_names[OP__ALL - OP__COUNT][32];

static const SpecInfo spec_table[OP__ALL - OP__COUNT] = {
#define SPEC(name, generic, guard, action, tail, doc) \
  {spec_names[OP_##name - OP__COUNT], OP_##generic, UOP_##guard, UOP_##action, TAIL_##tail, doc},
  TESSERA_SPECIALIZED(SPEC)
#undef SPEC
};

__attribute__((constructor)) static void spec_names_init(void) {
  static const char *const upper[] = {
#define SPEC(name, generic, guard, action, tail, doc) #name,
    TESSERA_SPECIALIZED(SPEC)
#undef SPEC
  };
  for (size_t i = 0; i < ARRAY_LEN(upper); i++) copy_lower(spec_names[i], sizeof spec_names[i], upper[i]);
}

const SpecInfo *spec_info(int op) {
  ASSERT(op >= OP__COUNT && op < OP__ALL, "not a specialized opcode");
  return &spec_table[op - OP__COUNT];
}

const char *opcode_name(int op) {
  if (op < OP__COUNT) return op_info[op].name;
  if (op < OP__ALL) return spec_info(op)->name;
  return "?";
}

bool t1_is_specializable(Opcode op) {
  static const bool adaptive[OP__COUNT] = {
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) OP_ADAPTIVE_##name,
    TESSERA_OPCODES(OP)
#undef OP
  };
  return (unsigned)op < OP__COUNT && adaptive[op];
}

/* ---- Locks ---- */

/* A form's guard is a guard uop and its action is not; its action has the stack effect
   of the instruction it replaces (NOP, the action of a form whose tail does the work,
   has none; the action of a BRANCH form only turns the top into its truth, the stack
   effect of NOT, and the tail pops it: such actions never reach a trace, whose
   projection of a conditional jump is a BRANCH). */
#define SPEC_IS_GUARD(uop) ((int)(uop) >= (int)UOP__GUARDS && (int)(uop) < (int)UOP__ACTIONS)
#define SPEC_UOP_STACK(name, stack, needs, result, flags, doc) SPEC_STACK_OF_##name = OP_##stack,
enum { TESSERA_UOPS(SPEC_UOP_STACK) };
#undef SPEC_UOP_STACK
#define SPEC(name, generic, guard, action, tail, doc)                                                       \
  STATIC_ASSERT(SPEC_IS_GUARD(UOP_##guard), #name ": its guard " #guard " is not a guard uop");           \
  STATIC_ASSERT(!SPEC_IS_GUARD(UOP_##action), #name ": its action " #action " is a guard uop");           \
  STATIC_ASSERT(UOP_##action == UOP_NOP ||                                                                \
                (int)SPEC_STACK_OF_##action == (int)(TAIL_##tail == TAIL_BRANCH ? OP_NOT : OP_##generic), \
                #name ": its action's STACK is not " #generic " (NOT for a BRANCH tail)");
TESSERA_SPECIALIZED(SPEC)
#undef SPEC
#undef SPEC_IS_GUARD

/* Adaptivity both ways: the instructions the forms replace are exactly those whose T1
   column is ADAPTIVE, compared as bit sets (one bit per generic opcode). A comparison
   form lists LT as its GENERIC and replaces any of the six comparisons (t1_choose). The
   sets are two 64-bit words, WORD 0 and 1: opcodes 0-63 and 64-127. */
STATIC_ASSERT(OP__COUNT <= 128, "the adaptivity lock keeps one bit per instruction in two 64-bit words");
#define SPEC_BIT(op, word) ((op) / 64 == (word) ? 1ull << ((op) & 63) : 0ull)
#define SPEC_OPSET(op, word) SPEC_BIT(OP_##op, word)
#define SPEC_COMPARISONS(word)                                                                       \
  (SPEC_OPSET(EQ, word) | SPEC_OPSET(NE, word) | SPEC_OPSET(LT, word) | SPEC_OPSET(LE, word) |       \
   SPEC_OPSET(GT, word) | SPEC_OPSET(GE, word))
#define SPEC(name, generic, guard, action, tail, doc) | (OP_##generic == OP_LT ? SPEC_COMPARISONS(WORD) : SPEC_OPSET(generic, WORD))
#define OP(name, fmt, pops, pushes, flags, body, t1, doc) | (OP_ADAPTIVE_##name ? SPEC_OPSET(name, WORD) : 0ull)
#define WORD 0
STATIC_ASSERT((0ull TESSERA_SPECIALIZED(SPEC)) == (0ull TESSERA_OPCODES(OP)),
              "every ADAPTIVE instruction (opcodes.h) has a specialized form, and every form replaces one");
#undef WORD
#define WORD 1
STATIC_ASSERT((0ull TESSERA_SPECIALIZED(SPEC)) == (0ull TESSERA_OPCODES(OP)),
              "every ADAPTIVE instruction (opcodes.h) has a specialized form, and every form replaces one");
#undef WORD
#undef SPEC
#undef OP
#undef SPEC_BIT
#undef SPEC_OPSET
#undef SPEC_COMPARISONS

/* The generic opcode behind any opcode (a specialized jump is still a jump). */
static int generic_of(int op) { return op < OP__COUNT ? op : (int)spec_info(op)->generic; }

/* Caches for attribute instructions (CPython's LOAD_ATTR_INSTANCE_VALUE family): where
   the attribute named by the operand is for the x on top. */
/* Where lookup of name on class k finds it, packed (object.h), for a cache keyed on
   k's version; false when nothing has it, the place does not fit, or k's version is
   0 (never cached). Marks the version as cached, for the fuzzer's reach counter. */
static bool cache_class_lookup(ObjClass *k, uint32_t name, uint32_t *where) {
  Value v;
  ClassWhere w;
  if (!k->version || !class_lookup(k, name, &v, &w) || !class_where_pack(w, where)) return false;
  k->version_cached = true;
  return true;
}

static int choose_attr(const VM *vm, Opcode op, Value x, T1Cache *c) {
  uint32_t name = c->aux, where;
  if (is_class(x)) {
    if (op != OP_LOAD_ATTR || !cache_class_lookup(as_class(x), name, &where)) return 0;
    c->operand = as_class(x)->version;
    c->aux = where;
    return OP_LOAD_ATTR_CLASS;
  }
  if (!is_instance(x)) return 0;
  const ObjInstance *o = as_instance(x);
  int64_t slot = shape_slot(&vm->shapes, o->shape, name);
  c->operand = o->shape;
  if (slot >= 0) {
    c->aux = (uint32_t)slot;
    return op == OP_LOAD_ATTR ? OP_LOAD_ATTR_INSTANCE_VALUE
         : op == OP_LOAD_METHOD ? OP_LOAD_METHOD_INSTANCE_VALUE : OP_STORE_ATTR_INSTANCE_VALUE;
  }
  if (op == OP_STORE_ATTR) {
    uint32_t next = shape_child(&vm->shapes, o->shape, name);
    if (next == SHAPE_NONE) return 0;
    c->aux = next;
    return OP_STORE_ATTR_ADD;
  }
  if (!cache_class_lookup(o->cls, name, &where)) return 0;
  c->operand = (uint64_t)o->cls->version << 32 | o->shape;
  c->aux = where;
  return op == OP_LOAD_ATTR ? OP_LOAD_ATTR_WITH_CLASS : OP_LOAD_METHOD_WITH_CLASS;
}

/* The form of a conditional jump (on_true: jump_if_true) testing the truth of x. */
static int truth_form(Value x, bool on_true) {
  static const int forms[][2] = {
    {OP_JUMP_IF_FALSE_BOOL, OP_JUMP_IF_TRUE_BOOL},     {OP_JUMP_IF_FALSE_INT, OP_JUMP_IF_TRUE_INT},
    {OP_JUMP_IF_FALSE_FLOAT, OP_JUMP_IF_TRUE_FLOAT},   {OP_JUMP_IF_FALSE_NIL, OP_JUMP_IF_TRUE_NIL},
    {OP_JUMP_IF_FALSE_STRING, OP_JUMP_IF_TRUE_STRING}, {OP_JUMP_IF_FALSE_ARRAY, OP_JUMP_IF_TRUE_ARRAY},
    {OP_JUMP_IF_FALSE_MAP, OP_JUMP_IF_TRUE_MAP},
  };
  int k = x.kind == VAL_BOOL ? 0 : x.kind == VAL_INT ? 1 : x.kind == VAL_FLOAT ? 2 : x.kind == VAL_NIL ? 3
        : is_string(x) ? 4 : is_array(x) ? 5 : is_map(x) ? 6 : -1;
  return k < 0 ? 0 : forms[k][on_true];
}

static int choose(const VM *vm, const uint8_t *code, uint32_t pc, const Value *sp, T1Cache *c);

int t1_choose(const VM *vm, const uint8_t *code, uint32_t pc, const Value *sp, T1Cache *c) {
  int form = choose(vm, code, pc, sp, c);
  const uint64_t *off = vm->t1.off.t1_forms;  /* switched off to localize a bug: stays generic */
  return form && off && bit_test(off, (uint32_t)form) ? 0 : form;
}

static int choose(const VM *vm, const uint8_t *code, uint32_t pc, const Value *sp, T1Cache *c) {
  Opcode op = code[pc];
  /* Only the values the instruction consumes may be read: below them may be nothing. */
  Value top = op_pops(op, 0) >= 1 ? sp[-1] : val_nil();
  Value below = op_pops(op, 0) >= 2 ? sp[-2] : val_nil();
  bool ints = top.kind == VAL_INT && below.kind == VAL_INT;
  bool floats = top.kind == VAL_FLOAT && below.kind == VAL_FLOAT;
  c->generic = (uint8_t)op;
  c->aux = op_operand(code, pc);  /* the oparg the form's uops get */
  if (op != OP_JUMP_IF_FALSE && op != OP_JUMP_IF_TRUE) c->operand = 0;  /* a jump's is its history */
  switch (op) {
  case OP_ADD:
    if (is_string(top) && is_string(below)) return OP_ADD_STRING;
    return ints ? OP_ADD_INT : floats ? OP_ADD_FLOAT : 0;
  case OP_SUB:
    if (ints && vm->t1.fault == FAULT_T1_SUB_ADDS) return OP_ADD_INT;  /* test-only fault */
    return ints ? OP_SUB_INT : floats ? OP_SUB_FLOAT : 0;
  case OP_MUL: return ints ? OP_MUL_INT : floats ? OP_MUL_FLOAT : 0;
  case OP_DIV: return floats ? OP_DIV_FLOAT : 0;
  case OP_IDIV: return ints ? OP_IDIV_INT : 0;
  case OP_MOD: return ints ? OP_MOD_INT : 0;
  case OP_BAND: return ints ? OP_BAND_INT : 0;
  case OP_BOR: return ints ? OP_BOR_INT : 0;
  case OP_BXOR: return ints ? OP_BXOR_INT : 0;
  case OP_SHL: return ints ? OP_SHL_INT : 0;
  case OP_SHR: return ints ? OP_SHR_INT : 0;
  case OP_NEG: return top.kind == VAL_INT ? OP_NEG_INT : top.kind == VAL_FLOAT ? OP_NEG_FLOAT : 0;
  case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
    bool strings = is_string(top) && is_string(below);
    if (!ints && !floats && !strings) return 0;
    c->aux = cmp_mask_of(op);
    /* A comparison is one byte and never the last instruction (the verifier). */
    int next = generic_of(code[pc + 1]);
    if (next == OP_JUMP_IF_FALSE || next == OP_JUMP_IF_TRUE) {
      c->operand = next == OP_JUMP_IF_TRUE;  /* the jump's sense */
      return ints ? OP_COMPARE_INT_JUMP : floats ? OP_COMPARE_FLOAT_JUMP : OP_COMPARE_STRING_JUMP;
    }
    return ints ? OP_COMPARE_INT : floats ? OP_COMPARE_FLOAT : OP_COMPARE_STRING;
  }
  case OP_NOT: return top.kind == VAL_BOOL ? OP_NOT_BOOL : 0;
  case OP_JUMP_IF_FALSE:
  case OP_JUMP_IF_TRUE: return truth_form(top, op == OP_JUMP_IF_TRUE);
  case OP_GET:
    if (is_map(below) && is_string(top)) {
      c->operand = sem_map_hint(below, top);
      return OP_GET_MAP_STRING;
    }
    if (top.kind != VAL_INT) return 0;
    return is_array(below) ? OP_GET_ARRAY_INT : is_string(below) ? OP_GET_STRING_INT : 0;
  case OP_SET:
    if (is_map(sp[-3]) && is_string(sp[-2])) {
      c->operand = sem_map_hint(sp[-3], sp[-2]);
      return OP_SET_MAP_STRING;
    }
    return sp[-2].kind == VAL_INT && is_array(sp[-3]) ? OP_SET_ARRAY_INT : 0;
  case OP_HAS:
    if (!is_map(below) || !is_string(top)) return 0;
    c->operand = sem_map_hint(below, top);
    return OP_HAS_MAP_STRING;
  case OP_FOR_ITER: {
    if (!is_iter(top)) return 0;
    Value s = as_iter(top)->source;
    return is_array(s) ? OP_FOR_ITER_ARRAY : is_map(s) ? OP_FOR_ITER_MAP
         : is_string(s) ? OP_FOR_ITER_STRING : OP_FOR_ITER_RANGE;
  }
  case OP_LEN: return is_array(top) ? OP_LEN_ARRAY : is_string(top) ? OP_LEN_STRING : 0;
  case OP_APPEND: return is_array(below) ? OP_APPEND_ARRAY : 0;
  case OP_LOAD_GLOBAL:
    c->operand = vm->globals_version;
    return OP_LOAD_GLOBAL_CACHED;
  case OP_LOAD_ATTR:
  case OP_LOAD_METHOD:
  case OP_STORE_ATTR: return choose_attr(vm, op, top, c);
  case OP_CALL: {
    uint32_t argc = op_operand(code, pc);
    Value callee = sp[-1 - (int)argc];
    if (callee.kind == VAL_BUILTIN) {
      if (builtin_arity[callee.as.fn] != argc) return 0;
      c->operand = callee.as.fn;
      return OP_CALL_BUILTIN;
    }
    if (is_class(callee)) {  /* with an init function of the right arity (version 0 is never cached) */
      const ObjClass *k = as_class(callee);
      Value init;
      if (!k->version || vm->init_name == SHAPE_NONE || !class_lookup(k, vm->init_name, &init, NULL) ||
          init.kind != VAL_FUNC || vm->module->funcs[init.as.fn].nparams != argc + 1)
        return 0;
      c->operand = CALL_CLASS_OPERAND(k->version, init.as.fn);
      return OP_CALL_CLASS;
    }
    uint32_t fn = callee.kind == VAL_FUNC ? callee.as.fn : is_closure(callee) ? as_closure(callee)->fn : UINT32_MAX;
    if (fn == UINT32_MAX || vm->module->funcs[fn].nparams != argc) return 0;
    c->operand = fn;
    return callee.kind == VAL_FUNC ? OP_CALL_EXACT : OP_CALL_CLOSURE;
  }
  case OP_CELL_GET: return is_cell(top) ? OP_CELL_GET_CELL : 0;
  case OP_CELL_SET: return is_cell(below) ? OP_CELL_SET_CELL : 0;
  default: return 0;
  }
}
