"""pytest plugin (``-p libtls_tally``): appends each run's outcome counts and the tests skipped
for a missing tool to the file named by $LIBTLS_TALLY, one JSON object per run, so that
`make test` can close with one summary over all its pytest runs (tools/test-summary.py).

A skip is counted as "missing tool" when its reason starts with "missing tool:" (the wording of
capi-tests/conftest.py's require_tool and of the scanner tests)."""

import json
import os
import re

MISSING = re.compile(r"missing tool: (\S+)")


def _reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_terminal_summary(terminalreporter):
    path = os.environ.get("LIBTLS_TALLY")
    if not path:
        return
    stats = terminalreporter.stats
    missing = {}
    for report in stats.get("skipped", []):
        match = MISSING.search(_reason(report))
        if match:
            missing[match.group(1)] = missing.get(match.group(1), 0) + 1
    entry = {
        "run": os.environ.get("LIBTLS_TALLY_LABEL", os.getcwd()),
        "passed": len(stats.get("passed", [])),
        "failed": len(stats.get("failed", [])) + len(stats.get("error", [])),
        "skipped": len(stats.get("skipped", [])),
        "missing_tools": missing,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
