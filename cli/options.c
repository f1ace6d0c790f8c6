/* options.c: the option mechanism of options.h: scanning argv against a command's
 * table, converting and checking values, and writing the usage text from the same
 * table. Every message about an option's spelling or value comes from here. */
#include "options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "common.h"

int opt_usage_error(const CliCommand *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("tessera: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd) fprintf(stderr, "\n(run 'tessera %s --help' for usage)\n", cmd->name);
  else fputs("\n(run 'tessera help' for usage)\n", stderr);
  return EXIT_USAGE;
}

/* ---- Numbers ---- */

bool opt_parse_uint(const CliCommand *cmd, const char *what, const char *text, uint64_t min, uint64_t max,
                    uint64_t *out) {
  bool digits = *text != 0, overflow = false;
  uint64_t v = 0;
  for (const char *p = text; *p && digits; p++) {
    if (*p < '0' || *p > '9') digits = false;
    else if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) overflow = true;
    else v = v * 10 + (uint64_t)(*p - '0');
  }
  if (digits && !overflow && v >= min && v <= max) {
    *out = v;
    return true;
  }
  if (!digits && min == 0 && max == UINT64_MAX)
    opt_usage_error(cmd, "%s needs a non-negative integer, not '%s'", what, text);
  else if (min == 0)
    opt_usage_error(cmd, "%s must be at most %llu, not '%s'", what, (unsigned long long)max, text);
  else
    opt_usage_error(cmd, "%s must be between %llu and %llu, not '%s'", what, (unsigned long long)min,
                    (unsigned long long)max, text);
  return false;
}

/* ---- Scanning ---- */

/* The option of `table` (groups included) called `name` (name_len bytes of it), or the
   one whose short name is `c`; *base receives the offset of its group. */
static const CliOption *find_option(const CliOption *table, size_t at, const char *name, size_t name_len, char c,
                                    size_t *base) {
  for (const CliOption *o = table; o->kind != OPT__END; o++) {
    if (o->kind == OPT_GROUP) {
      const CliOption *in = find_option(o->group, at + o->offset, name, name_len, c, base);
      if (in) return in;
    } else if (c ? o->short_name == c : strlen(o->name) == name_len && strncmp(o->name, name, name_len) == 0) {
      *base = at;
      return o;
    }
  }
  return NULL;
}

static bool is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

bool opt_scan(const CliCommand *cmd, int argc, char **argv, OptScan *s, int *status) {
  memset(s, 0, sizeof *s);
  s->cmd = cmd;
  s->operands = xmalloc(sizeof *s->operands * (size_t)(argc + 1));
  s->given = xmalloc(sizeof *s->given * (size_t)(argc + 1));
  bool options_end = false;
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (options_end || arg[0] != '-' || arg[1] == 0) {  /* a lone "-" is an operand */
      s->operands[s->noperands++] = argv[i];
      continue;
    }
    if (strcmp(arg, "--") == 0) {
      options_end = true;
      continue;
    }
    if (is_help(arg)) {
      opt_usage(cmd, stdout);
      *status = 0;
      goto stop;
    }
    const CliOption *o;
    const char *value = NULL, *name = arg;  /* name: as written, for "needs a value" */
    char short_name[3] = {'-', arg[1], 0};
    size_t base = 0;
    if (arg[1] == '-') {  /* --name, --name=VALUE */
      const char *eq = strchr(arg, '=');
      o = find_option(cmd->options, 0, arg, eq ? (size_t)(eq - arg) : strlen(arg), 0, &base);
      if (eq) value = eq + 1;
      if (o) name = o->name;
    } else {  /* -c, -cVALUE */
      o = find_option(cmd->options, 0, NULL, 0, arg[1], &base);
      if (arg[2]) value = arg + 2;
      name = short_name;
    }
    if (!o) {
      *status = opt_usage_error(cmd, "unknown option '%s'", arg);
      goto stop;
    }
    if (!o->metavar && value) {
      *status = opt_usage_error(cmd, "%s takes no value: '%s'", o->name, arg);
      goto stop;
    }
    if (o->metavar && !value) {
      if (i + 1 == argc) {
        *status = opt_usage_error(cmd, "%s needs a value", name);
        goto stop;
      }
      value = argv[++i];
    }
    if (o->kind == OPT_REFUSED) {
      fprintf(stderr, "tessera: %s %s; '%s' does not apply\n", cmd->name, o->help, arg);
      *status = EXIT_USAGE;
      goto stop;
    }
    s->given[s->ngiven++] = (struct OptGiven){o, base, value};
  }
  if (s->noperands < cmd->min_operands) {
    *status = opt_usage_error(cmd, "%s needs %s", cmd->name, cmd->operand_need);
    goto stop;
  }
  if (cmd->max_operands >= 0 && s->noperands > cmd->max_operands) {
    const char *extra = s->operands[cmd->max_operands];
    if (cmd->max_operands == 0) *status = opt_usage_error(cmd, "%s takes no arguments, only options: '%s'", cmd->name, extra);
    else {
      const char *what = cmd->operands;  /* "FILE", or "[COMMAND]" for an optional one */
      int n = (int)strcspn(what + (*what == '['), "]");
      *status = opt_usage_error(cmd, "%s takes one %.*s, got another: '%s'", cmd->name, n, what + (*what == '['), extra);
    }
    goto stop;
  }
  return true;
stop:
  opt_scan_free(s);
  return false;
}

void opt_scan_free(OptScan *s) {
  free(s->operands);
  free(s->given);
  s->operands = NULL;
  s->given = NULL;
  s->noperands = s->ngiven = 0;
}

bool opt_given(const OptScan *s, const char *name) {
  for (int i = 0; i < s->ngiven; i++)
    if (strcmp(s->given[i].opt->name, name) == 0) return true;
  return false;
}

/* ---- Applying ---- */

static void store_uint(void *at, size_t size, uint64_t v) {
  switch (size) {
  case 1: { uint8_t x = (uint8_t)v; memcpy(at, &x, 1); break; }
  case 2: { uint16_t x = (uint16_t)v; memcpy(at, &x, 2); break; }
  case 4: { uint32_t x = (uint32_t)v; memcpy(at, &x, 4); break; }
  default: memcpy(at, &v, 8); break;
  }
}

/* "a, b or c" into b. */
static void join_names(const CliOption *o, Buf *b) {
  for (size_t i = 0; i < o->nnames; i++)
    buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == o->nnames ? " or " : ", ", o->names[i]);
}

bool opt_apply(const OptScan *s, void *args) {
  for (int i = 0; i < s->ngiven; i++) {
    const CliOption *o = s->given[i].opt;
    const char *v = s->given[i].value;
    char *at = (char *)args + s->given[i].base + o->offset;
    uint64_t n;
    switch (o->kind) {
    case OPT_FLAG: *(bool *)at = true; break;
    case OPT_UINT:
      if (!opt_parse_uint(s->cmd, o->name, v, o->min, o->max, &n)) return false;
      store_uint(at, o->size, n);
      break;
    case OPT_ENUM: {
      size_t k = 0;
      while (k < o->nnames && strcmp(o->names[k], v) != 0) k++;
      if (k == o->nnames) {
        Buf b = {0};
        join_names(o, &b);
        opt_usage_error(s->cmd, "%s must be %s%s, not '%s'", o->name, o->nnames > 2 ? "one of " : "", b.data, v);
        buf_free(&b);
        return false;
      }
      store_uint(at, o->size, k);
      break;
    }
    case OPT_STRING:
      if (!*v) {
        opt_usage_error(s->cmd, "%s needs a %s, not an empty string", o->name, o->metavar);
        return false;
      }
      *(const char **)at = v;
      break;
    default: break;  /* groups are flattened by the scan; refused options stop it */
    }
  }
  return true;
}

bool opt_parse(const CliCommand *cmd, int argc, char **argv, void *args, OptScan *s, int *status) {
  OptScan own;
  if (!s) s = &own;
  if (args) {
    memset(args, 0, cmd->args_size);
    if (cmd->defaults) cmd->defaults(args);
  }
  if (!opt_scan(cmd, argc, argv, s, status)) return false;
  bool ok = opt_apply(s, args);
  if (!ok || s == &own) opt_scan_free(s);
  *status = EXIT_USAGE;
  return ok;
}

/* ---- Usage text ---- */

enum { USAGE_COLUMN = 26, USAGE_WIDTH = 80 };

/* Writes `text` from the current column `col`, wrapped at USAGE_WIDTH, continuation
   lines indented to `indent`; a \001 in text is a space where no line breaks. */
static void put_wrapped(Buf *out, size_t col, size_t indent, const char *text) {
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    size_t w = strcspn(p, " ");
    if (!w) break;
    if (col > indent && col + 1 + w > USAGE_WIDTH) {
      buf_printf(out, "\n%*s", (int)indent, "");
      col = indent;
    } else if (col > indent) {
      buf_puts(out, " ");
      col++;
    }
    for (size_t i = 0; i < w; i++) buf_putc(out, p[i] == '\001' ? ' ' : p[i]);
    col += w;
    p += w;
  }
  buf_puts(out, "\n");
}

/* The value at the option's place in the defaults, as text, or nothing. */
static void default_text(const CliOption *o, const char *at, Buf *b) {
  uint64_t v = 0;
  switch (o->kind) {
  case OPT_UINT:
  case OPT_ENUM:
    if (o->size == 1) v = *(const uint8_t *)at;
    else if (o->size == 2) v = *(const uint16_t *)at;
    else if (o->size == 4) v = *(const uint32_t *)at;
    else memcpy(&v, at, 8);
    if (o->kind == OPT_UINT) buf_printf(b, "%llu", (unsigned long long)v);
    else if (v < o->nnames) buf_puts(b, o->names[v]);
    break;
  case OPT_STRING:
    if (*(const char *const *)at) buf_puts(b, *(const char *const *)at);
    break;
  default: break;
  }
}

static void usage_options(const CliOption *table, const char *defaults, Buf *out) {
  for (const CliOption *o = table; o->kind != OPT__END; o++) {
    if (o->kind == OPT_GROUP) {
      usage_options(o->group, defaults + o->offset, out);
      continue;
    }
    if (o->kind == OPT_REFUSED) continue;
    size_t start = out->len;
    if (o->short_name) buf_printf(out, "  -%c, %s", o->short_name, o->name);
    else buf_printf(out, "  %s", o->name);
    if (o->metavar) buf_printf(out, " %s", o->metavar);
    size_t col = out->len - start;
    if (col + 2 > USAGE_COLUMN) {
      buf_printf(out, "\n%*s", USAGE_COLUMN, "");
    } else {
      buf_printf(out, "%*s", (int)(USAGE_COLUMN - col), "");
    }
    Buf help = {0};
    buf_puts(&help, o->help);
    if (o->kind == OPT_ENUM && !strchr(o->metavar, '|')) {
      buf_printf(&help, "; %s: ", o->metavar);
      join_names(o, &help);
    }
    if (o->kind == OPT_UINT && (o->min != 0 || o->max != UINT64_MAX))
      buf_printf(&help, "; %s from %llu to %llu", o->metavar, (unsigned long long)o->min, (unsigned long long)o->max);
    Buf def = {0};
    default_text(o, defaults + o->offset, &def);
    if (def.len) buf_printf(&help, " (default:\001%s)", def.data);  /* \001: a space not to wrap at */
    put_wrapped(out, USAGE_COLUMN, USAGE_COLUMN, help.data);
    buf_free(&def);
    buf_free(&help);
  }
}

void opt_usage(const CliCommand *cmd, FILE *f) {
  Buf out = {0};
  buf_printf(&out, "usage: tessera %s%s%s%s\n\n", cmd->name,
             cmd->options[0].kind != OPT__END ? " [options]" : "", *cmd->operands ? " " : "", cmd->operands);
  put_wrapped(&out, 0, 0, cmd->about);
  void *defaults = xmalloc(cmd->args_size ? cmd->args_size : 1);
  memset(defaults, 0, cmd->args_size);
  if (cmd->defaults) cmd->defaults(defaults);
  buf_puts(&out, "\noptions:\n");
  usage_options(cmd->options, defaults, &out);
  buf_printf(&out, "  -h, --help%*s%s\n", USAGE_COLUMN - 12, "", "print this help and exit");
  free(defaults);
  buf_puts(&out, "\nAn option's value may follow it as the next argument or after '='\n"
                 "(--fuel 100 or --fuel=100); '--' ends the options.\n");
  fwrite(out.data, 1, out.len, f);
  buf_free(&out);
}
