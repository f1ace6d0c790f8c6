/* verify.c: the bytecode verifier (see verify.h for what it proves). */
#include "verify.h"

#include <string.h>

#include "builtin.h"
#include "opcodes.h"

#define DEPTH_UNKNOWN (-1)

typedef struct {
  const Module *m;
  const Function *f;
  Diag *d;
  int32_t *depth;    /* operand stack depth on entry to each instruction, by offset */
  uint8_t *is_start; /* 1 at every instruction boundary */
  uint32_t *handler_depth;  /* proven depth at each handler entry's start, or NULL: the
                               declared depths must be the proven ones */
} Verifier;

static bool reject(Verifier *v, uint32_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static bool reject(Verifier *v, uint32_t pc, const char *fmt, ...) {
  char why[240];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  const char *opname = "";
  if (pc < v->f->code_len && v->f->code[pc] < OP__COUNT) opname = op_info[v->f->code[pc]].name;
  if (*opname)
    diag_set(v->d, "function '%s' offset %u (%s): %s", v->f->name, pc, opname, why);
  else
    diag_set(v->d, "function '%s' offset %u: %s", v->f->name, pc, why);
  return false;
}

static bool decode_all(Verifier *v) {
  const Function *f = v->f;
  uint32_t pc = 0;
  while (pc < f->code_len) {
    uint8_t op = f->code[pc];
    if (op >= OP__COUNT) return reject(v, pc, "unknown opcode 0x%02x", op);
    uint32_t len = op_length(op);
    if (len > f->code_len - pc)
      return reject(v, pc, "truncated instruction: needs %u bytes, %u left", len, f->code_len - pc);
    v->is_start[pc] = 1;
    pc += len;
  }
  return true;
}

static bool merge(Verifier *v, uint32_t from, uint32_t target, int32_t depth) {
  if (v->depth[target] == DEPTH_UNKNOWN) {
    v->depth[target] = depth;
    return true;
  }
  if (v->depth[target] != depth)
    return reject(v, from, "stack depth mismatch at offset %u: %d on one path, %d on this one", target,
                  v->depth[target], depth);
  return true;
}

static bool check_operand(Verifier *v, uint32_t pc, Opcode op, uint32_t a) {
  const Module *m = v->m;
  const Function *f = v->f;
  switch (op_info[op].format) {
  case FMT_CONST:
    if (a >= m->nconsts) return reject(v, pc, "constant %u out of range (module has %u)", a, m->nconsts);
    break;
  case FMT_NAME:
    if (a >= m->nconsts) return reject(v, pc, "name constant %u out of range (module has %u)", a, m->nconsts);
    if (m->consts[a].kind != CONST_STRING || !module_is_identifier(m->consts[a].s, m->consts[a].len))
      return reject(v, pc, "constant %u names an attribute or class but is not an identifier string", a);
    break;
  case FMT_FUNC:
    if (a >= m->nfuncs) return reject(v, pc, "function %u out of range (module has %u)", a, m->nfuncs);
    break;
  case FMT_BUILTIN:
    if (a >= BUILTIN__COUNT) return reject(v, pc, "builtin %u out of range (there are %u)", a, BUILTIN__COUNT);
    break;
  case FMT_LOCAL:
    if (a >= f->nparams + f->nlocals)
      return reject(v, pc, "local %u out of range (function has %u)", a, f->nparams + f->nlocals);
    break;
  case FMT_GLOBAL:
    if (a >= m->nglobals) return reject(v, pc, "global %u out of range (module has %u)", a, m->nglobals);
    break;
  case FMT_JUMP: {
    uint32_t target = pc + op_length(op) + a;
    if (target >= f->code_len) return reject(v, pc, "jump target %u is past the end of the code", target);
    if (!v->is_start[target]) return reject(v, pc, "jump target %u is not an instruction boundary", target);
    break;
  }
  case FMT_LOOP: {
    uint32_t next = pc + op_length(op);
    if (a > next) return reject(v, pc, "loop target is before the start of the code");
    if (a < op_length(op)) return reject(v, pc, "loop target %u is not backward", next - a);
    if (!v->is_start[next - a])
      return reject(v, pc, "loop target %u is not an instruction boundary", next - a);
    break;
  }
  default: break;
  }
  return true;
}

/* The exception table's offsets (docs/bytecode.md section 3.2): each range is whole
   instructions, not empty, and its handler follows it, so that the forward pass meets
   every range before its handler. */
static bool check_handlers(Verifier *v) {
  const Function *f = v->f;
  for (uint32_t i = 0; i < f->nhandlers; i++) {
    const Handler *h = &f->handlers[i];
    const char *bad = h->start >= h->end                               ? "its range is empty"
                      : h->end > h->handler                            ? "the handler is inside or before its range"
                      : h->handler >= f->code_len                      ? "the handler is past the end of the code"
                      : !v->is_start[h->start] || !v->is_start[h->end] ? "its range is not whole instructions"
                      : !v->is_start[h->handler]                       ? "the handler is not an instruction boundary"
                                                                       : NULL;
    if (bad) {
      diag_set(v->d, "function '%s' handler %u (range %u..%u, handler %u): %s", f->name, i, h->start, h->end,
               h->handler, bad);
      return false;
    }
  }
  return true;
}

/* The handler entries whose range holds pc: at its start the handler becomes a target
   with the depth there and the error's value above it; inside, the depth must not be
   below that (the handler cuts the stack down to it). */
static bool flow_to_handlers(Verifier *v, uint32_t pc, int32_t d) {
  const Function *f = v->f;
  for (uint32_t i = 0; i < f->nhandlers; i++) {
    const Handler *h = &f->handlers[i];
    if (pc < h->start || pc >= h->end) continue;
    if (pc == h->start) {
      if (v->handler_depth) v->handler_depth[i] = (uint32_t)d;
      else if (h->depth != (uint32_t)d)
        return reject(v, pc, "handler %u declares stack depth %u but the depth at its range's start is %d", i,
                      h->depth, d);
      if (!merge(v, pc, h->handler, d + 1)) return false;
      continue;
    }
    uint32_t depth = v->handler_depth ? v->handler_depth[i] : h->depth;  /* as its start proved it */
    if (d < (int32_t)depth) return reject(v, pc, "stack depth %d is below handler %u's depth %u", d, i, depth);
  }
  return true;
}

static bool check_flow(Verifier *v, int32_t *max_depth) {
  const Function *f = v->f;
  v->depth[0] = 0;
  *max_depth = 0;
  for (uint32_t pc = 0; pc < f->code_len; pc += op_length(f->code[pc])) {
    Opcode op = f->code[pc];
    uint32_t a = op_operand(f->code, pc);
    int32_t d = v->depth[pc];
    if (d == DEPTH_UNKNOWN)
      return reject(v, pc, "unreachable: no earlier instruction falls or jumps here "
                           "(a loop head must be entered from above)");
    if (!check_operand(v, pc, op, a)) return false;
    if (f->nhandlers && !flow_to_handlers(v, pc, d)) return false;
    int32_t pops = op_pops(op, a), pushes = op_pushes(op, a);
    if (d < pops) return reject(v, pc, "stack underflow: pops %d with depth %d", pops, d);
    int32_t nd = d - pops + pushes;
    if (nd > (int32_t)UINT16_MAX) return reject(v, pc, "stack depth %d exceeds 65535", nd);
    if (nd > *max_depth) *max_depth = nd;
    if (d > *max_depth) *max_depth = d;  /* a handler's entry depth may be no instruction's result */
    uint32_t next = pc + op_length(op);
    uint8_t flags = op_info[op].flags;
    if (!(flags & OPF_STOP)) {
      if (next >= f->code_len) return reject(v, pc, "control falls off the end of the function");
      if (!merge(v, pc, next, nd)) return false;
    }
    if ((flags & OPF_BRANCH) && !merge(v, pc, next + a, op_branch_depth(op, a, d))) return false;
    if ((flags & OPF_BACK) && v->depth[next - a] != nd)
      return reject(v, pc, "stack depth mismatch at loop target %u: %d there, %d here", next - a,
                    v->depth[next - a], nd);
  }
  return true;
}

int64_t verify_function(const Module *m, const Function *f, uint32_t *handler_depths, Diag *d) {
  Verifier v = {m, f, d, xmalloc(sizeof(int32_t) * f->code_len), xcalloc(f->code_len, 1), handler_depths};
  for (uint32_t i = 0; i < f->code_len; i++) v.depth[i] = DEPTH_UNKNOWN;
  int32_t max_depth = -1;
  bool ok = f->code_len > 0 && decode_all(&v) && check_handlers(&v) && check_flow(&v, &max_depth);
  if (f->code_len == 0) diag_set(d, "function '%s': empty code", f->name);
  free(v.depth);
  free(v.is_start);
  return ok ? max_depth : -1;
}

/* Sets m->main_func: main exists and takes no parameters. */
static bool find_main(Module *m, Diag *d) {
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    if (strcmp(m->funcs[i].name, "main") == 0) {
      if (m->funcs[i].nparams != 0) {
        diag_set(d, "function 'main' must take no parameters (it takes %u)", m->funcs[i].nparams);
        return false;
      }
      m->main_func = i;
      return true;
    }
  }
  diag_set(d, "no function 'main' (the entry point)");
  return false;
}

bool verify_module(Module *m, Diag *d) {
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const Function *f = &m->funcs[i];
    int64_t max_depth = verify_function(m, f, NULL, d);
    if (max_depth < 0) return false;
    if ((uint32_t)max_depth != f->max_stack) {
      diag_set(d, "function '%s': declared max_stack %u but the proven maximum is %u", f->name,
               f->max_stack, (uint32_t)max_depth);
      return false;
    }
  }
  return find_main(m, d);
}

bool verify_finish(Module *m, Diag *d) {
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    Function *f = &m->funcs[i];
    uint32_t *depths = xcalloc(f->nhandlers ? f->nhandlers : 1, sizeof(uint32_t));
    int64_t max_depth = verify_function(m, f, depths, d);
    for (uint32_t h = 0; max_depth >= 0 && h < f->nhandlers; h++) f->handlers[h].depth = depths[h];
    free(depths);
    if (max_depth < 0) return false;
    f->max_stack = (uint32_t)max_depth;
  }
  return find_main(m, d);
}
