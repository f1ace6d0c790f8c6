/* report.h: what a campaign leaves behind for a CI and a person (issue 18): on exit,
 * in the report directory,
 *
 *   campaign-SEED.json        the options, the build (tessera --version), the counts and
 *                             reach figures, their timeline (one sample a second), every
 *                             find of this campaign with the command that replays it, and
 *                             the path of the triage registry (fuzz/triage.h)
 *   campaign-SEED.junit.xml   JUnit XML: one failing test case per find, or one passing
 *                             case for a clean campaign (CI test tabs read it)
 *   campaign-SEED.sarif       SARIF 2.1.0: one result per find, located at the saved
 *                             program (code-scanning tabs read it)
 *   campaign-SEED.html        one self-contained page for a person: the counts, plots of
 *                             programs/s, of every reach figure and of the coverage over
 *                             time (inline SVG, no script), and the finds with their
 *                             replay commands
 *
 * A find is a signature directory or a crash-SEED.gen (or .tsm) file that appeared in the
 * campaign's --out directory while it ran; each is read back from there. */
#ifndef TESSERA_REPORT_H
#define TESSERA_REPORT_H

#include "engine.h"

/* The counts at one moment of the campaign. */
typedef struct {
  double seconds;
  FuzzCounts counts;
} ReportSample;

typedef struct {
  const FuzzOptions *options;
  double seconds;            /* how long it ran */
  FuzzCounts total;
  const ReportSample *samples;
  size_t nsamples;
  char *const *finds;        /* names in options->out_dir that appeared while it ran */
  size_t nfinds;
} CampaignReport;

/* What the reports say of one find. */
typedef struct {
  bool crash;          /* a crash-SEED.gen or .tsm (a crash or a hang), else a divergence */
  const char *name;    /* its name in the out directory: the signature, or the file */
  uint64_t seed;
  char path[1100];     /* the saved program to look at: program.tas, or the crash input */
  char replay[1400];   /* the command that replays it */
  char what[600];      /* one line: the divergence's first report line, or "crash or hang" */
  char culprit[400];   /* what localization found (its report's culprit line), or empty */
} ReportFind;

/* The HTML page (report_html.c): everything of the JSON report, with the timeline drawn. */
void report_html(const CampaignReport *r, const ReportFind *finds, Buf *out);

/* The counts as a JSON object, the reach figures as percentages keyed by their progress
   labels, the features covered by kind (oracle/coverage.h) and all together:
   {"programs": N, ..., "reach": {"specialized": 100.00, ...}, "coverage": {"forms": N,
   ..., "all": N}}. */
void report_json_counts(Buf *b, const FuzzCounts *c);

/* Writes the three files into dir (created if missing). Returns false, with the reason
   in err, when one cannot be written. */
bool report_write(const CampaignReport *r, const char *dir, char *err, size_t errcap);

#endif
