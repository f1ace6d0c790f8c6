/* cmd_triage.c: `tessera triage`, the registry of the bugs a finds directory holds
 * (fuzz/triage.h): lists it, and marks a bug known, new again, or fixed with the
 * regression file that proves it. */
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "oracle.h"
#include "triage.h"

typedef struct {
  RunOptions run;  /* the limits and the fault a regression file is checked with */
  OracleKnobs knobs;
  const char *out, *known, *reopen, *fixed, *regression;
} TriageArgs;

static const CliOption triage_options[] = {
  OPTION_STRING("--out", "DIR", TriageArgs, out, "the finds directory whose registry this is (tessera fuzz --out)"),
  OPTION_STRING("--known", "SIG", TriageArgs, known,
                "mark bug SIG known: campaigns count its sightings but save it no more"),
  OPTION_STRING("--new", "SIG", TriageArgs, reopen, "mark bug SIG new again: the next campaign that meets it saves it"),
  OPTION_STRING("--fixed", "SIG", TriageArgs, fixed,
                "mark bug SIG fixed; needs --regression, which must agree in every configuration now"),
  OPTION_STRING("--regression", "FILE", TriageArgs, regression,
                "the regression file that proves the fix (for corpora/regressions/: it diverged before)"),
  OPTION_GROUP(TriageArgs, run, cli_matrix_options),
  OPTION_GROUP(TriageArgs, knobs, cli_knob_options),
  OPTION_END,
};

static void triage_defaults(void *args) {
  TriageArgs *a = args;
  a->run = run_options_default(TIER_REF);
  a->out = "reports/divergences";
}

/* Whether FILE now agrees in every configuration (a .gen with the campaign's limits,
   like repro); says why not on stderr. */
static bool regression_agrees(const TriageArgs *a, bool limits_given, const char *path) {
  Module m;
  if (!cli_load_module(path, &m)) return false;
  Limits limits = cli_is_gen(path) && !limits_given ? fuzz_default_limits() : a->run.limits;
  OracleResult r;
  oracle_run_knobs(&m, limits, a->run.fault, a->knobs, &r);
  if (r.diverged) fprintf(stderr, "tessera triage: %s still diverges (%s): not a proof of a fix\n", path, r.signature);
  bool ok = !r.diverged;
  oracle_result_free(&r);
  module_free(&m);
  return ok;
}

static int triage_main(int argc, char **argv) {
  TriageArgs a;
  OptScan s;
  int status;
  if (!opt_parse(&cli_triage, argc, argv, &a, &s, &status)) return status;
  bool limits_given = opt_given(&s, "--fuel") || opt_given(&s, "--max-depth") || opt_given(&s, "--max-heap") ||
                      opt_given(&s, "--max-output");
  opt_scan_free(&s);
  int marks = (a.known != NULL) + (a.reopen != NULL) + (a.fixed != NULL);
  if (marks > 1) return opt_usage_error(&cli_triage, "one of --known, --new and --fixed at a time");
  if (a.fixed && !a.regression) return opt_usage_error(&cli_triage, "--fixed needs --regression=FILE");
  if (a.regression && !a.fixed) return opt_usage_error(&cli_triage, "--regression goes with --fixed=SIG");
  char err[1200];
  long folded = triage_fold(a.out, err, sizeof err);  /* sightings a campaign left */
  Triage t;
  if (folded < 0 || !triage_load(a.out, &t, err, sizeof err)) {
    fprintf(stderr, "tessera triage: %s\n", err);
    return EXIT_RUNTIME_ERROR;
  }
  int rc = 0;
  const char *sig = a.known ? a.known : a.reopen ? a.reopen : a.fixed;
  if (sig) {
    TriageRecord *r = triage_find(&t, sig);
    if (!r) {
      fprintf(stderr, "tessera triage: %s/triage.tsv has no bug %s\n", a.out, sig);
      rc = EXIT_USAGE;
    } else if (a.fixed && !regression_agrees(&a, limits_given, a.regression)) {
      rc = EXIT_RUNTIME_ERROR;
    } else {
      r->status = a.known ? TRIAGE_KNOWN : a.reopen ? TRIAGE_NEW : TRIAGE_FIXED;
      snprintf(r->regression, sizeof r->regression, "%s", a.fixed ? a.regression : "");
      if (!triage_save(a.out, &t)) {
        fprintf(stderr, "tessera triage: cannot write %s/triage.tsv\n", a.out);
        rc = EXIT_RUNTIME_ERROR;
      } else {
        printf("%s: %s\n", sig, triage_status_name[r->status]);
      }
    }
  } else {
    Buf b = {0};
    buf_printf(&b, "%s/triage.tsv: ", a.out);
    triage_list(&t, &b);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
  }
  triage_free(&t);
  return rc;
}

const CliCommand cli_triage = {
  "triage", "", "", 0, 0,
  "list the bugs campaigns found, and mark them known or fixed",
  "List the triage registry of a finds directory (DIR/triage.tsv, which tessera fuzz keeps): one record per "
  "bug-level signature, with its status (new, known, fixed), when it was first and last seen, how many times, "
  "the smallest program saved for it, its culprit and, once fixed, its regression file. Sightings a campaign "
  "left are folded in first. With --known, --new or --fixed, change one record's status instead: campaigns "
  "save a known bug no more, and a fixed one seen again becomes new. A regression file must agree in every "
  "configuration to mark a fix (a .gen file with the fuzzer's limits, as repro). Exit 0, 1 when the registry "
  "cannot be read or written or the regression still diverges, 2 on bad usage or an unknown signature.",
  triage_options, sizeof(TriageArgs), triage_defaults, triage_main,
};
