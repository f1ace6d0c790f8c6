/* report_html.c: the campaign's HTML page (report.h). One file with nothing to fetch:
 * the counts, three plots drawn as inline SVG polylines (programs/s, each reach figure,
 * and the coverage, over the campaign's timeline), and the finds. A plot is an <svg class="plot"> whose
 * <polyline class="series"> elements carry the points, which is what the test checks. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define PLOT_W 720
#define PLOT_H 240
#define PLOT_LEFT 56  /* room for the y axis labels */
#define PLOT_BOTTOM 24

/* A colour per series, cycled. */
static const char *const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* programs/s between sample k - 1 and sample k (from the start for k = 0). */
static double rate_at(const CampaignReport *r, size_t k) {
  double t0 = k ? r->samples[k - 1].seconds : 0.0, t1 = r->samples[k].seconds;
  uint64_t p0 = k ? r->samples[k - 1].counts.programs : 0, p1 = r->samples[k].counts.programs;
  return t1 > t0 ? (double)(p1 - p0) / (t1 - t0) : 0.0;
}

static void plot_begin(Buf *b, const char *title, double ymax, const char *unit) {
  buf_printf(b, "<h2>%s</h2>\n<svg class=\"plot\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                "xmlns=\"http://www.w3.org/2000/svg\">\n",
             title, PLOT_W, PLOT_H, PLOT_W, PLOT_H);
  int bottom = PLOT_H - PLOT_BOTTOM;
  buf_printf(b, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                "stroke=\"#999\"/>\n",
             PLOT_LEFT, PLOT_LEFT, bottom, PLOT_LEFT, bottom, PLOT_W, bottom);
  buf_printf(b, "<text x=\"4\" y=\"12\" font-size=\"11\">%.0f%s</text><text x=\"4\" y=\"%d\" font-size=\"11\">0</text>\n",
             ymax, unit, bottom);
}

/* The x axis runs from the first sample to the last (the first comes a second in). */
static void plot_end(Buf *b, const CampaignReport *r) {
  buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f s</text><text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f s</text>\n</svg>\n",
             PLOT_LEFT, PLOT_H - 6, r->samples[0].seconds, PLOT_W - 60, PLOT_H - 6, r->samples[r->nsamples - 1].seconds);
}

/* One series: value(r, k) for every sample k, scaled to ymax. A campaign shorter than a
   progress interval has one sample, its totals: drawn flat across the plot. */
static void series(Buf *b, const CampaignReport *r, double ymax, double (*value)(const CampaignReport *, size_t, int),
                   int which, const char *colour, const char *label) {
  double t0 = r->samples[0].seconds, span = r->samples[r->nsamples - 1].seconds - t0;
  int w = PLOT_W - PLOT_LEFT, h = PLOT_H - PLOT_BOTTOM;
  buf_printf(b, "<polyline class=\"series\" data-label=\"");
  buf_xml_text(b, label);
  buf_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colour);
  for (size_t k = 0; k < r->nsamples; k++) {
    double x = PLOT_LEFT + (span > 0 ? (r->samples[k].seconds - t0) / span : 1.0) * w;
    double y = h - (ymax > 0 ? value(r, k, which) / ymax : 0.0) * h;
    buf_printf(b, "%s%.1f,%.1f", k ? " " : "", x, y);
    if (r->nsamples == 1) buf_printf(b, " %d,%.1f", PLOT_LEFT, y);
  }
  buf_puts(b, "\"/>\n");
}

static double rate_value(const CampaignReport *r, size_t k, int which) {
  (void)which;
  return rate_at(r, k);
}

static double reach_value(const CampaignReport *r, size_t k, int which) {
  return fuzz_percent(r->samples[k].counts.reached[which], r->samples[k].counts.programs);
}

/* Features covered: all of them (which = -1) or one kind's. */
static double coverage_value(const CampaignReport *r, size_t k, int which) {
  const FuzzCounts *c = &r->samples[k].counts;
  return (double)(which >= 0 ? c->covered[which] : fuzz_covered(c));
}

void report_html(const CampaignReport *r, const ReportFind *finds, Buf *b) {
  const FuzzOptions *o = r->options;
  const FuzzCounts *t = &r->total;
  buf_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tessera fuzz, seed %" PRIu64 "</title>\n"
                "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}"
                "code{font-size:90%%}</style></head><body>\n<h1>tessera fuzz, seed %" PRIu64 "</h1>\n<p>",
             o->seed, o->seed);
  buf_xml_text(b, o->version ? o->version : "unknown build");
  buf_printf(b, "; %d job%s, %.1f s, %" PRIu64 " programs (%.0f/s), fault %s.</p>\n", o->jobs, o->jobs == 1 ? "" : "s",
             r->seconds, t->programs, r->seconds > 0 ? (double)t->programs / r->seconds : 0.0, fault_name[o->fault]);
  buf_printf(b, "<table><tr><th>divergent programs</th><th>new signatures</th><th>crashes</th><th>hangs</th>"
                "<th>generator failures</th></tr><tr><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
                "</td><td>%" PRIu64 "</td></tr></table>\n",
             t->divergences, t->saved, t->crashes, t->hangs, t->gen_failures);
  if (r->nsamples) {
    double rmax = 1.0;
    for (size_t k = 0; k < r->nsamples; k++)
      if (rate_at(r, k) > rmax) rmax = rate_at(r, k);
    plot_begin(b, "Programs per second", rmax, "/s");
    series(b, r, rmax, rate_value, 0, colours[0], "programs/s");
    plot_end(b, r);
    plot_begin(b, "Reach over time (share of programs)", 100.0, "%");
    for (int i = 0; i < REACH__COUNT; i++)
      series(b, r, 100.0, reach_value, i, colours[i % ARRAY_LEN(colours)], oracle_reach_label[i]);
    plot_end(b, r);
    double cmax = coverage_value(r, r->nsamples - 1, -1);
    plot_begin(b, "Coverage over time (features of the VM, oracle/coverage.h)", cmax > 0 ? cmax : 1.0, "");
    series(b, r, cmax, coverage_value, -1, colours[0], "all features");
    series(b, r, cmax, coverage_value, COV_KIND_PAIR, colours[1], "uop pairs");
    plot_end(b, r);
    buf_printf(b, "<p><span style=\"color:%s\">&#9632; all %.0f</span>: ", colours[0], cmax);
    for (int i = 0; i < COV_KIND__COUNT; i++)
      buf_printf(b, "%s%s %" PRIu64, i ? ", " : "", coverage_label[i], t->covered[i]);
    buf_printf(b, " <span style=\"color:%s\">&#9632; pairs</span>", colours[1]);
    if (o->corpus_dir) {
      buf_puts(b, "; corpus ");
      buf_xml_text(b, o->corpus_dir);
      buf_printf(b, ": %" PRIu64 " programs run again, %" PRIu64 " mutated, %" PRIu64 " kept", t->replayed, t->mutated,
                 t->kept);
    }
    buf_puts(b, "</p>\n<p>");
    for (int i = 0; i < REACH__COUNT; i++)
      buf_printf(b, "<span style=\"color:%s\">&#9632; %s %.1f%%</span> ", colours[i % ARRAY_LEN(colours)],
                 oracle_reach_label[i], fuzz_percent(t->reached[i], t->programs));
    buf_puts(b, "</p>\n");
  }
  buf_printf(b, "<h2>Finds (%zu)</h2>\n", r->nfinds);
  if (r->nfinds) {
    buf_puts(b, "<table><tr><th>kind</th><th>name</th><th>seed</th><th>what</th><th>culprit</th><th>replay</th></tr>\n");
    for (size_t i = 0; i < r->nfinds; i++) {
      const ReportFind *f = &finds[i];
      buf_printf(b, "<tr><td>%s</td><td>", f->crash ? "crash or hang" : "divergence");
      buf_xml_text(b, f->name);
      buf_printf(b, "</td><td>%" PRIu64 "</td><td>", f->seed);
      buf_xml_text(b, f->what);
      buf_puts(b, "</td><td>");
      buf_xml_text(b, f->culprit);
      buf_puts(b, "</td><td><code>");
      buf_xml_text(b, f->replay);
      buf_puts(b, "</code></td></tr>\n");
    }
    buf_puts(b, "</table>\n");
  } else {
    buf_puts(b, "<p>None: every configuration agreed on every program.</p>\n");
  }
  /* The registry of every bug the finds directory has seen, across campaigns. */
  char registry[1100], *dir = realpath(r->options->out_dir, NULL);
  snprintf(registry, sizeof registry, "%s/triage.tsv", dir ? dir : r->options->out_dir);
  free(dir);
  buf_puts(b, "<p>Every bug seen in this directory, by campaigns before this one too: the triage registry <a href=\"file://");
  buf_xml_text(b, registry);
  buf_puts(b, "\">");
  buf_xml_text(b, registry);
  buf_puts(b, "</a> (<code>tessera triage --out=");
  buf_xml_text(b, r->options->out_dir);
  buf_puts(b, "</code> lists it and marks bugs known or fixed).</p>\n");
  buf_puts(b, "</body></html>\n");
}
