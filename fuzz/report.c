/* report.c: the campaign reports of report.h, written from the campaign's counts and
 * from the finds it saved (read back from the --out directory). */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "files.h"

/* The rest of the line that starts with `key` in text (a NUL-terminated report.txt)
   into out; out stays as it was when there is no such line. */
static void line_value(const char *text, const char *key, char *out, size_t cap) {
  char start[32];
  snprintf(start, sizeof start, "\n%s", key);
  const char *v = strstr(text, start);
  if (!v) return;
  v += strlen(start);
  snprintf(out, cap, "%.*s", (int)strcspn(v, "\n"), v);
}

static void read_find(const FuzzOptions *o, const char *name, ReportFind *f) {
  memset(f, 0, sizeof *f);
  f->name = name;
  char limits[260];
  if (strncmp(name, "crash-", 6) == 0) {
    /* crash-SEED.gen, or crash-ARCH-SEED.gen from a worker of the other architecture */
    const char *seed = name + 6, *cmd = "tessera";
    size_t arch = o->other_arch ? strlen(o->other_arch) : 0;
    if (arch && strncmp(seed, o->other_arch, arch) == 0 && seed[arch] == '-') {
      seed += arch + 1;
      cmd = o->other_replay;
    }
    f->crash = true;
    f->seed = strtoull(seed, NULL, 10);
    fuzz_replay_options(o, f->seed, limits, sizeof limits);  /* the program's own, under a swarm */
    snprintf(f->path, sizeof f->path, "%s/%s", o->out_dir, name);
    snprintf(f->replay, sizeof f->replay, "%s repro %s %s", cmd, limits, f->path);
    snprintf(f->what, sizeof f->what, "the program at seed %" PRIu64 " crashed or hung the VM", f->seed);
    return;
  }
  snprintf(f->path, sizeof f->path, "%s/%s/program.tas", o->out_dir, name);
  fuzz_replay_options(o, 0, limits, sizeof limits);  /* replaced by report.txt's own replay line below */
  snprintf(f->replay, sizeof f->replay, "tessera repro %s %s/%s/program.tas", limits, o->out_dir, name);
  snprintf(f->what, sizeof f->what, "divergence %s", name);
  char report[1200];
  snprintf(report, sizeof report, "%s/%s/report.txt", o->out_dir, name);
  Buf text = {0};
  if (!buf_read_file(&text, report)) return;
  buf_putc(&text, '\0');
  sscanf(text.data, "seed %" SCNu64, &f->seed);
  line_value(text.data, "replay: ", f->replay, sizeof f->replay);  /* with the input it was found with */
  line_value(text.data, "culprit: ", f->culprit, sizeof f->culprit);
  const char *d = strstr(text.data, "DIVERGENCE ");
  if (d) {
    size_t n = strcspn(d, "\n");
    snprintf(f->what, sizeof f->what, "%.*s", (int)n, d);
  }
  buf_free(&text);
}

static bool write_file(const char *dir, const char *name, const Buf *b, char *err, size_t errcap) {
  char path[1100];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  bool ok = files_write_atomically(path, b->data, b->len);
  if (!ok) snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
  return ok;
}

void report_json_counts(Buf *b, const FuzzCounts *c) {
  buf_putc(b, '{');
#define COUNT(name) buf_printf(b, "\"" #name "\": %" PRIu64 ", ", c->name);
  FUZZ_COUNTS(COUNT)
#undef COUNT
  buf_puts(b, "\"reach\": {");
  const char *sep = "";
#define REACH(NAME, label, summary, TIER, test, doc)                                     \
  buf_printf(b, "%s\"%s\": %.2f", sep, label, fuzz_percent(c->reached[REACH_##NAME], c->programs)); \
  sep = ", ";
  ORACLE_REACH(REACH)
#undef REACH
  buf_puts(b, "}, \"coverage\": {");
  for (int k = 0; k < COV_KIND__COUNT; k++) buf_printf(b, "\"%s\": %" PRIu64 ", ", coverage_label[k], c->covered[k]);
  buf_printf(b, "\"all\": %" PRIu64 "}}", fuzz_covered(c));
}

static void json_key_string(Buf *b, const char *key, const char *value) {
  buf_printf(b, "\"%s\": ", key);
  buf_json_string(b, value, strlen(value));
}

static void write_json(const CampaignReport *r, const ReportFind *finds, Buf *b) {
  const FuzzOptions *o = r->options;
  buf_puts(b, "{\n  ");
  json_key_string(b, "tool", "tessera fuzz");
  buf_puts(b, ",\n  ");
  json_key_string(b, "version", o->version ? o->version : "unknown");
  buf_printf(b, ",\n  \"seed\": %" PRIu64 ",\n  \"fresh_seed\": %s,\n  \"jobs\": %d,\n", o->seed,
             o->fresh_seed ? "true" : "false", o->jobs);
  buf_printf(b, "  \"limits\": {\"fuel\": %" PRIu64 ", \"max_depth\": %" PRIu64 ", \"max_heap\": %" PRIu64
             ", \"max_output\": %" PRIu64 "},\n  ",
             o->limits.fuel, o->limits.max_depth, o->limits.max_heap, o->limits.max_output);
  json_key_string(b, "fault", fault_name[o->fault]);
  buf_printf(b, ",\n  \"configurations\": %zu,\n  \"seconds\": %.3f,\n  \"programs_per_second\": %.1f,\n  ",
             oracle_nconfigs, r->seconds, r->seconds > 0 ? (double)r->total.programs / r->seconds : 0.0);
  json_key_string(b, "out", o->out_dir);
  char registry[1100];
  snprintf(registry, sizeof registry, "%s/triage.tsv", o->out_dir);
  buf_puts(b, ",\n  ");
  json_key_string(b, "triage", registry);
  buf_puts(b, ",\n  \"total\": ");
  report_json_counts(b, &r->total);
  buf_puts(b, ",\n  \"timeline\": [");
  for (size_t i = 0; i < r->nsamples; i++) {
    buf_printf(b, "%s\n    {\"seconds\": %.1f, \"counts\": ", i ? "," : "", r->samples[i].seconds);
    report_json_counts(b, &r->samples[i].counts);
    buf_putc(b, '}');
  }
  buf_puts(b, "\n  ],\n  \"finds\": [");
  for (size_t i = 0; i < r->nfinds; i++) {
    const ReportFind *f = &finds[i];
    buf_printf(b, "%s\n    {\"kind\": \"%s\", \"seed\": %" PRIu64 ", ", i ? "," : "",
               f->crash ? "crash-or-hang" : "divergence", f->seed);
    json_key_string(b, "name", f->name);
    buf_puts(b, ", ");
    json_key_string(b, "what", f->what);
    buf_puts(b, ", ");
    json_key_string(b, "culprit", f->culprit);
    buf_puts(b, ", ");
    json_key_string(b, "program", f->path);
    buf_puts(b, ", ");
    json_key_string(b, "replay", f->replay);
    buf_putc(b, '}');
  }
  buf_puts(b, "\n  ]\n}\n");
}

static void write_junit(const CampaignReport *r, const ReportFind *finds, Buf *b) {
  const FuzzOptions *o = r->options;
  uint64_t failures = r->nfinds + (r->total.gen_failures ? 1 : 0);
  char suite[160];
  snprintf(suite, sizeof suite, "tessera fuzz, seed %" PRIu64, o->seed);
  buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
  buf_xml_text(b, suite);
  buf_printf(b, "\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"0\" time=\"%.3f\">\n",
             (uint64_t)r->nfinds + 1, failures, r->seconds);
  char campaign[200];
  snprintf(campaign, sizeof campaign, "%" PRIu64 " programs, %" PRIu64 " divergent, %" PRIu64 " crashes, %" PRIu64
           " hangs, %" PRIu64 " generator failures",
           r->total.programs, r->total.divergences, r->total.crashes, r->total.hangs, r->total.gen_failures);
  buf_puts(b, "    <testcase classname=\"tessera.fuzz\" name=\"");
  buf_xml_text(b, campaign);
  buf_printf(b, "\" time=\"%.3f\">", r->seconds);
  if (r->total.gen_failures) buf_puts(b, "<failure message=\"the generator failed\"/>");
  buf_puts(b, "</testcase>\n");
  for (size_t i = 0; i < r->nfinds; i++) {
    const ReportFind *f = &finds[i];
    buf_printf(b, "    <testcase classname=\"tessera.fuzz.%s\" name=\"", f->crash ? "crash" : "divergence");
    buf_xml_text(b, f->name);
    buf_puts(b, "\" time=\"0\"><failure message=\"");
    buf_xml_text(b, f->what);
    buf_puts(b, "\">");
    buf_xml_text(b, f->what);
    buf_puts(b, "\nprogram: ");
    buf_xml_text(b, f->path);
    buf_puts(b, "\nreplay: ");
    buf_xml_text(b, f->replay);
    buf_puts(b, "</failure></testcase>\n");
  }
  buf_puts(b, "  </testsuite>\n</testsuites>\n");
}

static void write_sarif(const CampaignReport *r, const ReportFind *finds, Buf *b) {
  const FuzzOptions *o = r->options;
  buf_puts(b, "{\n  \"version\": \"2.1.0\",\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
              "  \"runs\": [{\n    \"tool\": {\"driver\": {\"name\": \"tessera fuzz\", ");
  json_key_string(b, "version", o->version ? o->version : "unknown");
  buf_puts(b, ", \"rules\": [\n      {\"id\": \"divergence\", \"shortDescription\": {\"text\": \"two configurations of "
              "the oracle's matrix disagree on a generated program\"}},\n      {\"id\": \"crash-or-hang\", "
              "\"shortDescription\": {\"text\": \"a generated program crashed or hung the VM\"}}]}},\n"
              "    \"results\": [");
  for (size_t i = 0; i < r->nfinds; i++) {
    const ReportFind *f = &finds[i];
    char message[2600];  /* what, culprit and replay, and the words between them */
    snprintf(message, sizeof message, "%s (seed %" PRIu64 ").%s%s Replay: %s", f->what, f->seed,
             f->culprit[0] ? " Culprit: " : "", f->culprit, f->replay);
    buf_printf(b, "%s\n      {\"ruleId\": \"%s\", \"level\": \"error\", \"message\": {\"text\": ", i ? "," : "",
               f->crash ? "crash-or-hang" : "divergence");
    buf_json_string(b, message, strlen(message));
    buf_puts(b, "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
    buf_json_string(b, f->path, strlen(f->path));
    buf_puts(b, "}, \"region\": {\"startLine\": 1}}}], \"partialFingerprints\": {\"signature\": ");
    buf_json_string(b, f->name, strlen(f->name));
    buf_puts(b, "}}");
  }
  buf_puts(b, "\n    ]\n  }]\n}\n");
}

bool report_write(const CampaignReport *r, const char *dir, char *err, size_t errcap) {
  if (!files_make_dir(dir)) {
    snprintf(err, errcap, "cannot create %s: %s", dir, strerror(errno));
    return false;
  }
  ReportFind *finds = xcalloc(r->nfinds ? r->nfinds : 1, sizeof(ReportFind));
  for (size_t i = 0; i < r->nfinds; i++) read_find(r->options, r->finds[i], &finds[i]);
  /* Each file: its suffix and its writer. */
  static const struct {
    const char *suffix;
    void (*write)(const CampaignReport *, const ReportFind *, Buf *);
  } files[] = {{"json", write_json}, {"junit.xml", write_junit}, {"sarif", write_sarif}, {"html", report_html}};
  bool ok = true;
  Buf b = {0};
  for (size_t k = 0; ok && k < ARRAY_LEN(files); k++) {
    char name[100];
    snprintf(name, sizeof name, "campaign-%" PRIu64 ".%s", r->options->seed, files[k].suffix);
    b.len = 0;
    files[k].write(r, finds, &b);
    ok = write_file(dir, name, &b, err, errcap);
  }
  buf_free(&b);
  free(finds);
  return ok;
}
