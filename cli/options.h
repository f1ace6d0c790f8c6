/* options.h: the command line's one option mechanism. Each command declares a table
 * of its options (name, whether it takes a value, what kind of value, where it goes,
 * one line of help); the same table parses the arguments and writes the command's
 * usage text, so the two cannot disagree.
 *
 *   argv ──opt_scan──> OptScan: positionals, and (option, value) pairs in order
 *        (spelling only: --name VALUE, --name=VALUE, -o VALUE, -oVALUE, flags, --,
 *         --help / -h, unknown options, a missing value, a flag given a value)
 *   OptScan ──opt_apply──> the command's argument struct: each value converted and
 *        checked against its kind (an integer and its bounds, one of a list of names,
 *        a non-empty string) and stored at its option's offset
 *
 * Between the two a command may choose defaults from the positionals (repro and reduce
 * take the fuzzer's limits for a .gen file) or ask which options were given. */
#ifndef TESSERA_CLI_OPTIONS_H
#define TESSERA_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_RUNTIME_ERROR 1
#define EXIT_USAGE 2

typedef enum {
  OPT_FLAG,     /* no value: sets a bool */
  OPT_UINT,     /* a decimal integer in [min, max], stored in `size` bytes */
  OPT_ENUM,     /* one of names[]: stores its index in `size` bytes */
  OPT_STRING,   /* a non-empty string: stores the const char * */
  OPT_GROUP,    /* includes the table `group`, its offsets relative to this one's */
  OPT_REFUSED,  /* known but refused by this command: `help` says why */
  OPT__END
} OptKind;

typedef struct CliOption {
  const char *name;             /* "--fuel" */
  char short_name;              /* 'o' for -o, or 0 */
  OptKind kind;
  const char *metavar;          /* the value's name in the usage text ("N", "DIR"); NULL: a flag */
  size_t offset, size;          /* where the value goes in the command's argument struct */
  uint64_t min, max;            /* OPT_UINT */
  const char *const *names;     /* OPT_ENUM */
  size_t nnames;
  const struct CliOption *group;  /* OPT_GROUP */
  const char *help;             /* one line (OPT_REFUSED: the reason, "runs the oracle's configurations") */
} CliOption;

#define OPT_FIELD_(type, field) offsetof(type, field), sizeof(((type *)0)->field)
#define OPTION_FLAG(name, type, field, help) {name, 0, OPT_FLAG, NULL, OPT_FIELD_(type, field), 0, 0, NULL, 0, NULL, help}
#define OPTION_UINT(name, meta, type, field, lo, hi, help) \
  {name, 0, OPT_UINT, meta, OPT_FIELD_(type, field), lo, hi, NULL, 0, NULL, help}
#define OPTION_ENUM(name, meta, type, field, names, n, help) \
  {name, 0, OPT_ENUM, meta, OPT_FIELD_(type, field), 0, 0, names, n, NULL, help}
#define OPTION_STRING(name, meta, type, field, help) \
  {name, 0, OPT_STRING, meta, OPT_FIELD_(type, field), 0, 0, NULL, 0, NULL, help}
#define OPTION_STRING_SHORT(name, c, meta, type, field, help) \
  {name, c, OPT_STRING, meta, OPT_FIELD_(type, field), 0, 0, NULL, 0, NULL, help}
/* A shared table applied to the member `field` (whose type the table was written for). */
#define OPTION_GROUP(type, field, table) {NULL, 0, OPT_GROUP, NULL, offsetof(type, field), 0, 0, 0, NULL, 0, table, NULL}
#define OPTION_REFUSED(name, meta, why) {name, 0, OPT_REFUSED, meta, 0, 0, 0, 0, NULL, 0, NULL, why}
#define OPTION_END {NULL, 0, OPT__END, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL}

/* A command: its name, operands and option table; `defaults` fills a fresh argument
   struct (args_size bytes), so the usage text can show each option's default. */
typedef struct CliCommand {
  const char *name;
  const char *operands;      /* in the usage line: "FILE", "FILE...", "" */
  const char *operand_need;  /* when missing: "a FILE", "at least one FILE" */
  int min_operands, max_operands;  /* max -1: any number */
  const char *summary;       /* one line for the overview */
  const char *about;         /* the paragraph under the usage line */
  const CliOption *options;
  size_t args_size;
  void (*defaults)(void *args);
  int (*main)(int argc, char **argv);  /* argv: the arguments after the command's name */
} CliCommand;

/* What opt_scan found. */
typedef struct {
  const CliCommand *cmd;
  char **operands;            /* the positional arguments, in order */
  int noperands;
  struct OptGiven {
    const CliOption *opt;
    size_t base;              /* the offset of the option's group in the argument struct */
    const char *value;        /* NULL for a flag */
  } *given;
  int ngiven;
} OptScan;

/* Splits argv into operands and options; on --help or -h prints the command's usage on
   stdout. Returns true to go on; false with *status set (0 after --help, EXIT_USAGE
   after a usage error, already reported). Free the scan with opt_scan_free. */
bool opt_scan(const CliCommand *cmd, int argc, char **argv, OptScan *s, int *status);
/* Converts and stores every value in order (the last of a repeated option wins).
   Returns false after reporting a usage error. */
bool opt_apply(const OptScan *s, void *args);
/* The command's defaults into args (if not NULL), then opt_scan and opt_apply. The scan
   goes to s, to be freed by the caller on success, or is freed at once if s is NULL. */
bool opt_parse(const CliCommand *cmd, int argc, char **argv, void *args, OptScan *s, int *status);
void opt_scan_free(OptScan *s);
/* Whether the option called `name` was given. */
bool opt_given(const OptScan *s, const char *name);

/* A decimal integer in [min, max], for an option or environment variable called `what`
   (of the command cmd, or NULL); reports a usage error with the bound and returns false
   otherwise. */
bool opt_parse_uint(const CliCommand *cmd, const char *what, const char *text, uint64_t min, uint64_t max,
                    uint64_t *out);

/* The command's usage text, derived from its table. */
void opt_usage(const CliCommand *cmd, FILE *f);

/* Prints "tessera: MESSAGE" and a line naming the help to read; returns EXIT_USAGE.
   cmd may be NULL (the overview). */
int opt_usage_error(const CliCommand *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
