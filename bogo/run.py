#!/usr/bin/env python3
"""Runs BoGo (BoringSSL's ssl/test/runner) against a shim and summarises the outcome.

Prints pass / fail / unimplemented / disabled counts, the failing tests grouped by name prefix,
and writes a summary file (markdown) when asked. Exit status: 0 when no test failed, 1 otherwise.

Usage: run.py --runner build/bogo/runner.test --resources build/bogo/runner-src \
              --shim build/bogo/shim-libtls --config bogo/config.json \
              [--subset FILE] [--summary bogo/results/libtls.md] [--jobs N]
"""
import argparse
import collections
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# The runner redraws one "failed/unimplemented/done/started/total" status line on a terminal.
STATUS = re.compile(r"(\d+)/(\d+)/(\d+)/(\d+)/(\d+)")


def group_of(name):
    """A test's family for the report: its name up to the first variant-looking part."""
    return re.split(r"[-_]", name, maxsplit=1)[0]


def read_subset(path):
    patterns = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                patterns.append(line)
    return patterns


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--resources", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--subset", help="file of test name globs, one a line: run only those")
    ap.add_argument("--test", help="semicolon-separated globs (the runner's -test)")
    ap.add_argument("--summary", help="write a markdown summary here")
    ap.add_argument("--log", help="keep the runner's full output here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--label", default="libtls")
    ap.add_argument("--known-failures",
                    help="file of test names expected to fail (one a line, # comments): only "
                         "failures outside it fail the run")
    args = ap.parse_args()

    patterns = []
    if args.subset:
        patterns += read_subset(args.subset)
    if args.test:
        patterns += args.test.split(";")

    with tempfile.TemporaryDirectory() as tmp:
        json_out = os.path.join(tmp, "results.json")
        cmd = [os.path.abspath(args.runner),
               "-shim-path", os.path.abspath(args.shim),
               "-shim-config", os.path.abspath(args.config),
               "-resource-dir", ".",
               "-allow-unimplemented",
               "-json-output", json_out,
               "-num-workers", str(args.jobs)]
        if patterns:
            cmd += ["-test", ";".join(patterns)]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=args.resources, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
        elapsed = time.monotonic() - started
        output = proc.stdout
        if args.log:
            with open(args.log, "w") as f:
                f.write(output)
        if not os.path.exists(json_out):
            sys.stderr.write(output[-4000:])
            sys.stderr.write("\nbogo: the runner wrote no results (exit %d)\n" % proc.returncode)
            return 1
        with open(json_out) as f:
            results = json.load(f)["tests"]

    counts = collections.Counter()
    failed = []
    for name, r in results.items():
        actual = r["actual"]
        if actual == "PASS":
            counts["pass"] += 1
        elif actual == "SKIP":
            counts["unimplemented"] += 1
        else:
            counts["fail"] += 1
            failed.append(name)
    statuses = STATUS.findall(output)
    total = int(statuses[-1][4]) if statuses else len(results)
    ran = len(results)
    # Tests neither run nor matched by a subset pattern are disabled by the config.
    not_run = total - ran
    not_run_label = "disabled or outside the subset" if patterns else "disabled"
    applicable = counts["pass"] + counts["fail"]
    rate = 100.0 * counts["pass"] / applicable if applicable else 0.0

    by_group = collections.Counter(group_of(n) for n in failed)
    lines = [
        "# BoGo results: %s" % args.label,
        "",
        "Runner: BoringSSL ssl/test/runner from Debian's android-platform-external-boringssl.",
        "Selection: %s." % ("subset " + os.path.basename(args.subset) if args.subset else
                            "tests matching " + args.test if args.test else "every test"),
        "",
        "| outcome | tests |",
        "| --- | --- |",
        "| passed | %d |" % counts["pass"],
        "| failed | %d |" % counts["fail"],
        "| unimplemented (shim exit 89) | %d |" % counts["unimplemented"],
        "| %s | %d |" % (not_run_label, not_run),
        "| total known to the runner | %d |" % total,
        "",
        "Passing among tests that ran to a verdict (passed / (passed + failed)): %.1f%%." % rate,
        "",
    ]
    if failed:
        lines += ["## Failing tests by group", "", "| group | failing |", "| --- | --- |"]
        lines += ["| %s | %d |" % (g, n) for g, n in sorted(by_group.items(), key=lambda x: (-x[1], x[0]))]
        lines += ["", "## Failing tests", ""]
        lines += ["- %s" % n for n in sorted(failed)]
        lines.append("")
    summary = "\n".join(lines)

    if args.summary:
        os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
        with open(args.summary, "w") as f:
            f.write(summary)
    for name in sorted(failed):
        print("FAIL %s" % name)
    print("bogo: %d passed, %d failed, %d unimplemented, %d %s (%.0f s, %.1f%% of run verdicts pass)"
          % (counts["pass"], counts["fail"], counts["unimplemented"], not_run, not_run_label,
             elapsed, rate))
    # Entries are names or globs; a glob covers a family whose outcome depends on timing.
    known = read_subset(args.known_failures) if args.known_failures else []
    new_failures = sorted(n for n in failed if not any(fnmatch.fnmatchcase(n, k) for k in known))
    if args.known_failures:
        now_passing = sorted(n for n in known
                             if not any(c in n for c in "*?[")
                             and results.get(n, {}).get("actual") == "PASS")
        for name in now_passing:
            print("bogo: %s now passes: remove it from %s" % (name, args.known_failures))
        for name in new_failures:
            print("bogo: NEW FAILURE %s" % name)
        print("bogo: %d known failures (expected, counted as skipped below), %d new"
              % (len(failed) - len(new_failures), len(new_failures)))
    # The plain closing line CI readers recognise: listed known failures count as expected
    # failures (skipped), like pytest's xfail; anything else that failed counts as failed.
    print("%d passed, %d failed, %d skipped"
          % (counts["pass"], len(new_failures),
             counts["unimplemented"] + len(failed) - len(new_failures)))
    return 1 if new_failures else 0


if __name__ == "__main__":
    sys.exit(main())
