/* oracle.c: the configuration matrix, comparison, divergence records and signatures. */
#include "oracle.h"

#include <inttypes.h>
#include <string.h>

const OracleConfig oracle_configs[] = {
  {"ref", TIER_REF, DISPATCH_GOTO, 1},
  {"ref/switch", TIER_REF, DISPATCH_SWITCH, 1},
  {"t1", TIER_T1, DISPATCH_GOTO, 1},
  {"t1/switch", TIER_T1, DISPATCH_SWITCH, 1},
  {"t1/warm3", TIER_T1, DISPATCH_GOTO, 3},
};
const size_t oracle_nconfigs = ARRAY_LEN(oracle_configs);
STATIC_ASSERT(ARRAY_LEN(oracle_configs) <= ORACLE_MAX_CONFIGS, "oracle matrix too large");

/* The line of text starting at *p (advancing p), without its newline. */
static size_t line_at(const char *s, size_t len, size_t *p) {
  size_t start = *p;
  while (*p < len && s[*p] != '\n') (*p)++;
  size_t n = *p - start;
  if (*p < len) (*p)++;
  return n;
}

/* The mnemonic at an error location, or "?" when the location is not an instruction. */
static const char *instruction_at(const Module *m, const char *func, uint32_t offset) {
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (func && strcmp(m->funcs[i].name, func) == 0 && offset < m->funcs[i].code_len)
      return op_info[m->funcs[i].code[offset]].name;
  return "?";
}

static void describe(const Module *m, const Observation *a, const Observation *b, const char *field,
                     const char *bname, char *out, size_t cap, char *key, size_t keycap) {
  snprintf(key, keycap, "%s", "");
  if (strcmp(field, "output") == 0) {
    const char *x = a->output.data ? a->output.data : "", *y = b->output.data ? b->output.data : "";
    size_t px = 0, py = 0;
    for (unsigned line = 1;; line++) {
      size_t sx = px, sy = py;
      size_t nx = line_at(x, a->output.len, &px), ny = line_at(y, b->output.len, &py);
      bool endx = sx >= a->output.len, endy = sy >= b->output.len;
      if (endx && endy) break;
      if (endx != endy || nx != ny || memcmp(x + sx, y + sy, nx) != 0) {
        snprintf(out, cap, "output line %u: ref %s%.*s%s, %s %s%.*s%s", line, endx ? "(none)" : "\"",
                 endx ? 0 : (int)(nx > 80 ? 80 : nx), x + sx, endx ? "" : "\"", bname, endy ? "(none)" : "\"",
                 endy ? 0 : (int)(ny > 80 ? 80 : ny), y + sy, endy ? "" : "\"");
        return;
      }
    }
    snprintf(out, cap, "output differs");
  } else if (strcmp(field, "result") == 0) {
    snprintf(out, cap, "result: ref %.100s, %s %.100s", a->result ? a->result : "(error)", bname,
             b->result ? b->result : "(error)");
  } else if (strcmp(field, "error") == 0 || strcmp(field, "error location") == 0) {
    const char *ia = a->error ? instruction_at(m, a->error_function, a->error_offset) : "-";
    const char *ib = b->error ? instruction_at(m, b->error_function, b->error_offset) : "-";
    snprintf(out, cap, "error: ref %s at %s:%u (%s), %s %s at %s:%u (%s)", error_kind_name[a->error],
             a->error_function ? a->error_function : "-", a->error_offset, ia, bname, error_kind_name[b->error],
             b->error_function ? b->error_function : "-", b->error_offset, ib);
    snprintf(key, keycap, "%s-%s-%s-%s", error_kind_name[a->error], ia, error_kind_name[b->error], ib);
  } else if (strcmp(field, "checksum") == 0) {
    uint64_t n = a->probes < b->probes ? a->probes : b->probes;
    uint64_t first = n;
    for (uint64_t i = 0; i < n && i < OBS_PROBE_TRACE_MAX; i++)
      if (a->probe_trace[i] != b->probe_trace[i]) {
        first = i;
        break;
      }
    if (first < n)
      snprintf(out, cap, "checksum: probe #%" PRIu64 " (of %" PRIu64 ") is the first to differ", first, n);
    else if (a->probes != b->probes)
      snprintf(out, cap, "checksum: ref ran %" PRIu64 " probes, %s %" PRIu64, a->probes, bname, b->probes);
    else
      snprintf(out, cap, "checksum: the first %d probes agree; a later one differs", OBS_PROBE_TRACE_MAX);
  } else if (strcmp(field, "fuel") == 0) {
    snprintf(out, cap, "fuel: ref %" PRIu64 ", %s %" PRIu64, a->fuel_used, bname, b->fuel_used);
  } else {
    snprintf(out, cap, "%s: ref %" PRIu64 " objects %" PRIu64 " bytes, %s %" PRIu64 " objects %" PRIu64 " bytes",
             field, a->heap_objects, a->heap_bytes, bname, b->heap_objects, b->heap_bytes);
  }
}

static uint32_t fnv32(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

void oracle_run(const Module *m, Limits limits, Fault fault, OracleResult *r) {
  memset(r, 0, sizeof *r);
  for (size_t c = 0; c < oracle_nconfigs; c++) {
    const OracleConfig *cfg = &oracle_configs[c];
    T1Stats stats;
    memset(&stats, 0, sizeof stats);
    RunOptions o = run_options_default(cfg->tier);
    o.dispatch = cfg->dispatch;
    o.limits = limits;
    o.warmup = cfg->warmup;
    o.fault = fault;
    if (cfg->tier == TIER_T1) o.stats = &stats;
    vm_run_module(m, &o, &r->obs[c]);
    if (cfg->tier == TIER_T1) {
      for (int op = 0; op < OP__ALL; op++) {
        r->reach.specialized |= stats.specialized[op] != 0;
        r->reach.deopted |= stats.deopts[op] != 0;
        r->reach.executed += stats.executed[op];
      }
    }
  }
  for (size_t c = 1; c < oracle_nconfigs && !r->diverged; c++) {
    const char *field = observation_diff(&r->obs[0], &r->obs[c]);
    if (!field) continue;
    r->diverged = true;
    r->other = c;
    r->field = field;
    char key[160];
    describe(m, &r->obs[0], &r->obs[c], field, oracle_configs[c].name, r->where, sizeof r->where, key, sizeof key);
    /* The signature names the field and the configuration, plus a hash of what
       characterizes the bug independently of the program: the error kinds and
       instructions when errors differ, else just field and tier. */
    char basis[256];
    snprintf(basis, sizeof basis, "%s|%s|%s", field, tier_name[oracle_configs[c].tier], key);
    char field_word[32];
    snprintf(field_word, sizeof field_word, "%s", field);
    for (char *p = field_word; *p; p++)
      if (*p == ' ') *p = '_';
    snprintf(r->signature, sizeof r->signature, "%s-%s-%08x", field_word, tier_name[oracle_configs[c].tier],
             fnv32(basis));
  }
}

void oracle_result_free(OracleResult *r) {
  for (size_t c = 0; c < oracle_nconfigs; c++) observation_free(&r->obs[c]);
}

void oracle_report(const Module *m, const OracleResult *r, Buf *out) {
  (void)m;
  if (r->diverged) {
    buf_printf(out, "DIVERGENCE %s: %s differs between %s and %s\n  %s\n", r->signature, r->field,
               oracle_configs[0].name, oracle_configs[r->other].name, r->where);
  } else {
    buf_printf(out, "all %zu configurations agree\n", oracle_nconfigs);
  }
  buf_printf(out, "  %-12s %-40s %8s %12s %-16s %s\n", "config", "result or error", "output", "fuel", "checksum",
             "heap");
  for (size_t c = 0; c < oracle_nconfigs; c++) {
    const Observation *o = &r->obs[c], *ref = &r->obs[0];
    const char *d = c ? observation_diff(ref, o) : NULL;
    char what[64];
    if (o->error) snprintf(what, sizeof what, "%s at %s:%u", error_kind_name[o->error], o->error_function, o->error_offset);
    else snprintf(what, sizeof what, "%.40s", o->result);
    bool out_d = c && (o->output.len != ref->output.len ||
                       (o->output.len && memcmp(o->output.data, ref->output.data, o->output.len) != 0));
    bool res_d = c && (o->error != ref->error || (o->result && ref->result && strcmp(o->result, ref->result) != 0) ||
                       (o->error && (strcmp(o->error_function, ref->error_function) != 0 ||
                                     o->error_offset != ref->error_offset)));
    buf_printf(out, "%c %-12s %c%-39s %c%7zu %c%11" PRIu64 " %c%016" PRIx64 " %c%" PRIu64 "/%" PRIu64 "B\n",
               d ? '!' : ' ', oracle_configs[c].name, res_d ? '!' : ' ', what, out_d ? '!' : ' ', o->output.len,
               c && o->fuel_used != ref->fuel_used ? '!' : ' ', o->fuel_used,
               c && o->checksum != ref->checksum ? '!' : ' ', o->checksum,
               c && (o->heap_objects != ref->heap_objects || o->heap_bytes != ref->heap_bytes) ? '!' : ' ',
               o->heap_objects, o->heap_bytes);
  }
}
