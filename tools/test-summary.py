#!/usr/bin/env python3
"""The closing summary of `make test`: adds up the pytest runs recorded by the libtls_tally
plugin (tools/pytest-plugins) and names the tests skipped because a tool was missing.

    tools/test-summary.py build/test-tally.jsonl"""

import json
import sys


def main(path):
    runs = []
    try:
        with open(path, encoding="utf-8") as tally:
            runs = [json.loads(line) for line in tally if line.strip()]
    except FileNotFoundError:
        pass
    passed = sum(r["passed"] for r in runs)
    failed = sum(r["failed"] for r in runs)
    skipped = sum(r["skipped"] for r in runs)
    missing = {}
    for run in runs:
        for tool, count in run["missing_tools"].items():
            missing[tool] = missing.get(tool, 0) + count
    if missing:
        detail = ", ".join(f"{tool}: {count}" for tool, count in sorted(missing.items()))
        print(f"make test: {sum(missing.values())} tests skipped for a missing tool ({detail})")
    else:
        print("make test: 0 tests skipped for a missing tool")
    print(f"make test: {len(runs)} pytest runs, the other skips are by design (run with -rs to see why)")
    print(f"pytest: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
