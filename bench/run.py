#!/usr/bin/env python3
"""Runs tlsbench against libtls and OpenSSL, scenario by scenario, and writes a markdown table
of medians and libtls/OpenSSL ratios to bench/results/ (plus stdout).

    python3 bench/run.py [--runs N] [--seconds S] [--only SUBSTRING[,SUBSTRING...]] [--core]

Both builds run alternately in the same invocation on the same machine, so the ratio compares
like with like; absolute numbers depend on the machine and its load.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
TARGETS = {
    "handshake-tls13-ecdsa": 4.0,
    "handshake-tls13-rsa": 2.5,
    "handshake-tls12-ecdsa": 3.5,
    "resume-tls13-ticket": 3.0,
    "resume-tls12-ticket": 3.0,
    "bulk-tls13-aes128gcm": 1.1,
    "bulk-tls13-aes256gcm": 1.1,
    "bulk-tls13-chacha20": 1.0,
    "bulk-tls12-aes128gcm": 1.1,
}


def run_one(binary, scenario, seconds):
    result = subprocess.run([binary, "run", scenario, str(seconds)], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    if result.returncode != 0:
        return None, (result.stderr.strip().splitlines() or ["failed"])[0]
    fields = dict(kv.split("=", 1) for kv in result.stdout.split())
    return fields, None


def metric(fields):
    for key in ("ops_per_sec", "mb_per_sec", "heap_per_connection"):
        if key in fields:
            return key, float(fields[key])
    raise ValueError(fields)


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{model}, {os.cpu_count()} CPUs, Linux {platform.release()}; {openssl}; {rustc}"


def commit():
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--only", default="", help="comma-separated substrings of the scenarios to run")
    ap.add_argument("--core", action="store_true", help="also run the Rust core benchmark (cargo bench)")
    args = ap.parse_args()

    libtls, openssl = BUILD / "tlsbench-libtls", BUILD / "tlsbench-openssl"
    listing = subprocess.run([libtls, "list"], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in listing:
        name, *flags = line.split()
        if not any(part in name for part in args.only.split(",")):
            continue
        samples = {"libtls": [], "openssl": []}
        errors = {}
        for _ in range(args.runs):
            for impl, binary in (("libtls", libtls), ("openssl", openssl)):
                if impl == "openssl" and "libtls-only" in flags:
                    continue
                fields, err = run_one(binary, name, args.seconds)
                if err:
                    errors[impl] = err
                else:
                    samples[impl].append(fields)
        row = {"name": name, "errors": errors}
        for impl in samples:
            if samples[impl]:
                key, _ = metric(samples[impl][0])
                row["unit"] = key
                row[impl] = statistics.median(metric(f)[1] for f in samples[impl])
                for side in ("client", "server"):
                    side_key = f"{side}_{key}"
                    if side_key in samples[impl][0]:
                        row[f"{impl}_{side}"] = statistics.median(float(f[side_key]) for f in samples[impl])
                if "rss_per_connection" in samples[impl][0]:
                    row[f"{impl}_rss"] = statistics.median(float(f["rss_per_connection"]) for f in samples[impl])
        rows.append(row)
        print(format_row(row), flush=True)

    lines = [
        f"# tlsbench results, commit {commit()}",
        "",
        f"Machine: {machine()}.",
        f"Medians of {args.runs} runs of {args.seconds} s CPU time each; both builds alternate in one invocation.",
        "Handshakes: operations per second of CPU time of both ends together (client / server alone in",
        "brackets). Bulk: MB/s (10^6 bytes) of application data in 16 KiB writes. Memory: heap bytes",
        "(and RSS) per established idle connection end, over 1,000 connection pairs. Ratio: libtls/OpenSSL",
        "(for memory, OpenSSL/libtls: higher is better for libtls everywhere).",
        "",
        "| scenario | libtls | OpenSSL | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(markdown_row(row))
    if args.core:
        core = subprocess.run(["cargo", "bench", "--bench", "core", "-q"], cwd=ROOT, capture_output=True, text=True)
        lines += ["", "## Core (Rust, no C API) and the raw AEAD limit", "", "```", core.stdout.strip(), "```"]
    text = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "results" / f"{datetime.date.today().isoformat()}-{commit()}.md"
    out.write_text(text)
    print(text)
    print(f"written to {out.relative_to(ROOT)}")


def value(row, impl):
    if impl not in row:
        return f"failed: {row['errors'].get(impl, 'not run')}" if impl in row["errors"] else "n/a"
    v = row[impl]
    unit = row.get("unit", "")
    if unit == "heap_per_connection":
        return f"{v / 1024:.1f} KiB heap, {row.get(impl + '_rss', 0) / 1024:.1f} KiB RSS"
    sides = ""
    if f"{impl}_client" in row:
        sides = f" ({row[impl + '_client']:.0f} / {row[impl + '_server']:.0f})"
    return f"{v:.0f}{' MB/s' if unit == 'mb_per_sec' else ' ops/s'}{sides}"


def ratio(row):
    if "libtls" not in row or "openssl" not in row or not row["openssl"]:
        return "n/a"
    if row.get("unit") == "heap_per_connection":
        return f"{row['openssl'] / row['libtls']:.2f}x"
    return f"{row['libtls'] / row['openssl']:.2f}x"


def markdown_row(row):
    target = TARGETS.get(row["name"])
    if row["name"].startswith("memory"):
        target_text = "<= 8 KiB heap"
    else:
        target_text = f">= {target}x" if target else ""
    return f"| {row['name']} | {value(row, 'libtls')} | {value(row, 'openssl')} | {ratio(row)} | {target_text} |"


def format_row(row):
    return f"{row['name']}: libtls {value(row, 'libtls')}, openssl {value(row, 'openssl')}, ratio {ratio(row)}"


if __name__ == "__main__":
    sys.exit(main())
