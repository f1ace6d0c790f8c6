#!/usr/bin/env python3
"""check_workflows.py DIR PRESETS TESSERA: parses every workflow in DIR with a real YAML
parser (PyYAML) and lints it against what this repository has:

  - the workflow has a name, triggers, permissions and jobs;
  - every job has runs-on, a timeout and steps; every step runs a command or uses an
    action, never both, and an action is pinned to a version (owner/repo@ref);
  - every script a step runs (scripts/, qemu/, fuzz/, tests/, .clusterfuzzlite/) exists;
  - every CMake preset it names exists in PRESETS (CMakePresets.json);
  - every option it passes to `tessera fuzz` is one that `TESSERA fuzz --help` lists.

Exit 0 when every workflow passes; otherwise each problem on stderr and exit 1."""
import json
import os
import re
import subprocess
import sys

import yaml

def main():
    folder, presets_file, tessera = sys.argv[1], sys.argv[2], sys.argv[3]
    root = os.path.dirname(os.path.abspath(presets_file))
    presets = json.load(open(presets_file))
    preset_names = {p["name"] for kind in ("configurePresets", "buildPresets", "testPresets") for p in presets.get(kind, [])}
    fuzz_help = subprocess.run([tessera, "fuzz", "--help"], capture_output=True, text=True).stdout
    fuzz_options = set(re.findall(r"--[a-z][a-z0-9-]*", fuzz_help))
    problems = []
    files = sorted(f for f in os.listdir(folder) if f.endswith((".yml", ".yaml")))
    if not files:
        problems.append(f"no workflows in {folder}")
    for name in files:
        where = f"{folder}/{name}"
        doc = yaml.safe_load(open(where))
        # YAML 1.1 reads the key `on` as true.
        triggers = doc.get("on", doc.get(True))
        for key, value in (("name", doc.get("name")), ("on", triggers), ("permissions", doc.get("permissions")),
                           ("jobs", doc.get("jobs"))):
            if not value:
                problems.append(f"{where}: no {key}")
        for job_name, job in (doc.get("jobs") or {}).items():
            at = f"{where}: job {job_name}"
            if "runs-on" not in job:
                problems.append(f"{at}: no runs-on")
            if not isinstance(job.get("timeout-minutes"), int):
                problems.append(f"{at}: no timeout-minutes")
            steps = job.get("steps") or []
            if not steps:
                problems.append(f"{at}: no steps")
            for k, step in enumerate(steps):
                s_at = f"{at}, step {k + 1} ({step.get('name', step.get('uses', '?'))})"
                if ("run" in step) == ("uses" in step):
                    problems.append(f"{s_at}: needs exactly one of run and uses")
                if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]):
                    problems.append(f"{s_at}: the action {step['uses']!r} is not pinned (owner/repo@ref)")
                if "with" in step and "uses" not in step:
                    problems.append(f"{s_at}: with without uses")
                command = step.get("run", "")
                for path in re.findall(r"(?:^|[\s(])((?:scripts|qemu|fuzz|tests|\.clusterfuzzlite)/[\w./-]+\.(?:sh|py))", command):
                    if not os.path.exists(os.path.join(root, path)):
                        problems.append(f"{s_at}: runs {path}, which does not exist")
                for preset in re.findall(r"--preset[= ]([\w-]+)", command):
                    if preset not in preset_names:
                        problems.append(f"{s_at}: the preset {preset} does not exist")
                for line in command.splitlines():
                    if "tessera fuzz" in line:
                        for option in re.findall(r"\s(--[a-z][a-z0-9-]*)", line.split("tessera fuzz", 1)[1]):
                            if option not in fuzz_options:
                                problems.append(f"{s_at}: tessera fuzz has no option {option}")
    for p in problems:
        print(f"check_workflows: {p}", file=sys.stderr)
    if not problems:
        print(f"check_workflows: {len(files)} workflows pass")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
