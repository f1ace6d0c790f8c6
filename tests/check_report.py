#!/usr/bin/env python3
"""check_report.py DIR SEED FINDS: parses the reports a campaign wrote (fuzz/report.h)
with real parsers, JSON, XML, SARIF's JSON and HTML, and checks that they agree with each
other and with the number of finds the caller expects, and that the HTML page draws its
plots (an <svg class="plot"> per plot, a <polyline class="series"> per series, each with
a point per sample of the timeline), and that the coverage only grows. Exit 0 when they do; otherwise each problem on
stderr and exit 1."""
import json
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class Page(HTMLParser):
    """The plots and the rows of the finds table of the HTML report."""

    def __init__(self):
        super().__init__()
        self.plots, self.series, self.rows = 0, [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("class") == "plot":
            self.plots += 1
        if tag == "polyline" and a.get("class") == "series":
            self.series.append(a.get("points", "").split())
        if tag == "tr":
            self.rows += 1

def main():
    folder, seed, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    problems = []
    report = json.load(open(f"{folder}/campaign-{seed}.json"))
    for key in ("version", "seed", "total", "timeline", "finds"):
        if key not in report:
            problems.append(f"the JSON report has no {key!r}")
    finds = report.get("finds", [])
    if len(finds) != want:
        problems.append(f"the JSON report lists {len(finds)} finds, want {want}")
    timeline = report.get("timeline", [])
    if not timeline or timeline[-1]["counts"]["programs"] != report["total"]["programs"]:
        problems.append("the timeline does not end with the totals")
    for f in finds:
        if not f.get("replay", "").startswith("tessera repro "):
            problems.append(f"find {f.get('name')} has no replay command")
        if f.get("kind") == "divergence" and not f.get("culprit"):
            problems.append(f"divergence {f.get('name')} has no culprit line")
    sarif = json.load(open(f"{folder}/campaign-{seed}.sarif"))
    if sarif.get("version") != "2.1.0":
        problems.append("the SARIF file is not version 2.1.0")
    results = sarif["runs"][0]["results"]
    if len(results) != want:
        problems.append(f"the SARIF file has {len(results)} results, want {want}")
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    for r in results:
        if r["ruleId"] not in rules:
            problems.append(f"a SARIF result names the unknown rule {r['ruleId']}")
    suite = ET.parse(f"{folder}/campaign-{seed}.junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    if len(cases) != want + 1 or len(failures) != want or int(suite.get("failures")) != want:
        problems.append(f"the JUnit file has {len(cases)} test cases and {len(failures)} failures, want {want + 1} and {want}")
    page = Page()
    page.feed(open(f"{folder}/campaign-{seed}.html").read())
    reach = len(report["total"]["reach"])
    if page.plots != 3 or len(page.series) != 1 + reach + 2:
        problems.append(f"the HTML page draws {page.plots} plots and {len(page.series)} series, want 3 and {1 + reach + 2}")
    covered = [s["counts"]["coverage"]["all"] for s in timeline]
    if not covered or covered[-1] <= 0 or covered != sorted(covered):
        problems.append(f"the coverage over time is not a growing count of features: {covered[:5]}...")
    # One point per sample; a campaign with one sample (its totals) draws it flat: two.
    want_points = 2 if len(timeline) == 1 else len(timeline)
    for points in page.series:
        if len(points) != want_points or not all("," in p for p in points):
            problems.append(f"an HTML series has {len(points)} points, want {want_points} for {len(timeline)} samples")
            break
    want_rows = 2 + (want + 1 if want else 0)  # the counts table, then the finds table with its header
    if page.rows != want_rows:
        problems.append(f"the HTML page has {page.rows} table rows, want {want_rows}")
    for p in problems:
        print(f"check_report: {p}", file=sys.stderr)
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
